package rmqd.compat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * TLS on the remoting ports (run.sh phase "tls"; rmq.tlsMode = permissive | enforcing). The clients use
 * setUseTLS(true) (what -Dtls.enable=true sets) with tls.client.authServer=false, the default, so
 * the self-signed certificate run.sh made with the openssl CLI is accepted.
 */
@Tag(Compat.TAG_TLS)
class TlsTest {
  static final String MODE = System.getProperty("rmq.tlsMode", "permissive");

  static DefaultMQProducer producer(boolean tls) throws Exception {
    Compat.banner();
    String group = Compat.unique("tls_pg");
    DefaultMQProducer p = new DefaultMQProducer(group);
    p.setNamesrvAddr(Compat.namesrv());
    p.setInstanceName(group);
    p.setUseTLS(tls);
    p.setSendMsgTimeout(5_000);
    p.setRetryTimesWhenSendFailed(0);
    p.start();
    return p;
  }

  @Test
  void tlsClientSendsAndConsumes() throws Exception {
    String topic = Compat.unique("tls");
    String body = Compat.unique("tlsbody");
    DefaultMQProducer p = producer(true);
    try {
      Compat.createTopic(p, topic, 2);
      Message m = new Message(topic, "TagA", body.getBytes(StandardCharsets.UTF_8));
      assertEquals(SendStatus.SEND_OK, p.send(m).getSendStatus());
    } finally {
      p.shutdown();
    }
    String group = Compat.unique("tls_cg");
    DefaultMQPushConsumer c = new DefaultMQPushConsumer(group);
    c.setNamesrvAddr(Compat.namesrv());
    c.setInstanceName(group);
    c.setUseTLS(true);
    c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
    List<String> got = Collections.synchronizedList(new ArrayList<>());
    c.subscribe(topic, "*");
    c.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
      msgs.forEach(x -> got.add(new String(x.getBody(), StandardCharsets.UTF_8)));
      return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
    });
    c.start();
    try {
      Compat.waitFor("the TLS consumer receives the message", 60_000, () -> got.contains(body));
    } finally {
      c.shutdown();
    }
  }

  @Test
  void plaintextClientPerMode() throws Exception {
    DefaultMQProducer p = producer(false);
    try {
      Message m = new Message(Compat.unique("plain"), "TagA",
          "plain".getBytes(StandardCharsets.UTF_8));
      if ("enforcing".equals(MODE)) {
        try {
          p.send(m);
          fail("a plaintext client was served in enforcing mode");
        } catch (Exception expected) {
          System.out.println("compat: tls enforcing refuses plaintext (" + Compat.clientTag() + "): " + expected);
        }
      } else {
        assertEquals(SendStatus.SEND_OK, p.send(m).getSendStatus());
      }
    } finally {
      p.shutdown();
    }
  }
}

package rmqd.compat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.rebalance.AllocateMessageQueueAveragely;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.remoting.RPCHook;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Message trace: with traceTopicEnable=true on the broker (run.sh sets it for both brokers), a
 * producer and a consumer built with enableMsgTrace=true write their trace records to
 * RMQ_SYS_TRACE_TOPIC (keyed by the message id), and mqadmin queryMsgTraceById finds them through
 * QUERY_MESSAGE on that topic. 4.9 module only (mqadmin).
 */
@Tag(Compat.TAG_ADMIN)
class TraceTest {
  @Test
  void sendAndConsumeTracesAreQueryable() throws Exception {
    Compat.banner();
    String topic = Compat.unique("trace");
    String pg = Compat.unique("tracepg");
    String cg = Compat.unique("tracecg");
    DefaultMQProducer p = new DefaultMQProducer(pg, (RPCHook) null, true, null);  // this overload exists in 4.9.8 and 5.3.1
    p.setNamesrvAddr(Compat.namesrv());
    p.setInstanceName(pg);
    p.setSendMsgTimeout(10_000);
    p.start();
    DefaultMQPushConsumer c = null;
    try {
      Compat.createTopic(p, topic, 1);
      AtomicReference<String> consumed = new AtomicReference<>();
      c = new DefaultMQPushConsumer(cg, (RPCHook) null, new AllocateMessageQueueAveragely(), true, null);
      c.setNamesrvAddr(Compat.namesrv());
      c.setInstanceName(cg);
      c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
      c.subscribe(topic, "*");
      c.registerMessageListener((org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently) (msgs, ctx) -> {
        consumed.compareAndSet(null, msgs.get(0).getMsgId());
        return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
      });
      c.start();
      Message m = new Message(topic, "TagT", "trace-key", "traced".getBytes(StandardCharsets.UTF_8));
      SendResult r = p.send(m);
      assertEquals(SendStatus.SEND_OK, r.getSendStatus());
      Compat.waitFor("the traced message consumed", 20_000, () -> consumed.get() != null);
      assertEquals(r.getMsgId(), consumed.get());

      // Trace records are batched by the client's AsyncTraceDispatcher; poll mqadmin until both show.
      String out = "";
      long deadline = System.currentTimeMillis() + 30_000;
      while (System.currentTimeMillis() < deadline) {
        out = MqAdminTest.mqadmin("queryMsgTraceById", "-n", Compat.namesrv(), "-i", r.getMsgId());
        if (out.contains(pg) && out.contains(cg)) break;
        Compat.sleep(1000);
      }
      // mqadmin 4.9.8 prints one row per record: "Pub <producer group> ..." and "Sub <consumer group> ...".
      assertTrue(out.contains("Pub ") && out.contains(pg), "send trace missing:\n" + out);
      assertTrue(out.contains("Sub ") && out.contains(cg), "consume trace missing:\n" + out);
      System.out.println("compat: mqadmin queryMsgTraceById (" + Compat.clientTag() + ")\n" + out);
    } finally {
      if (c != null) c.shutdown();
      p.shutdown();
    }
  }
}

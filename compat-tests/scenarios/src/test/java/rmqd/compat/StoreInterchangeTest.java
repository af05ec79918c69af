package rmqd.compat;

import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.rocketmq.client.QueryResult;
import org.apache.rocketmq.client.consumer.DefaultMQPullConsumer;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.message.MessageExt;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One store directory, two servers (run.sh phase "store"): the server that wrote it is stopped
 * cleanly and the other implementation is started on the same directory.
 * -Drmq.phase=write: two topics (3 and 6 queues), 60 messages each with keys; group G consumes
 *                    the first 40 of topic 1 (offsets committed); 20 more are sent to topic 1;
 *                    a subscription group with non-default settings is created.
 * -Drmq.phase=read:  topics with their queue counts, every message intact (same msgIds, queue
 *                    offsets, offsetMsgIds), G resumes with exactly the 20 pending, key lookups
 *                    through the IndexFile, the subscription group, and new sends continue the
 *                    queue offsets.
 * 4.9 client only (one run is enough); state passes in target/store-state-&lt;tag&gt;.txt.
 */
@Tag(Compat.TAG_STORE)
class StoreInterchangeTest {
  static final int PER_TOPIC = 60;
  static final int CONSUMED = 40;
  static final int PENDING = 20;
  static final int[] QUEUES = {3, 6};
  static final int RETRY_MAX_TIMES = 7;

  static String topic(int i) {
    return "store_t" + i + "_" + Compat.clientTag();
  }

  static String group() {
    return "store_cg_" + Compat.clientTag();
  }

  static String subGroup() {
    return "store_sg_" + Compat.clientTag();
  }

  static Path stateFile() {
    return Paths.get("target", "store-state-" + Compat.clientTag() + ".txt");
  }

  @Test
  void storeScenario() throws Exception {
    Assumptions.assumeTrue(Compat.clientVersion().startsWith("4"), "run by the 4.9 module only");
    String phase = System.getProperty("rmq.phase", "write");
    System.out.println("compat: store phase " + phase);
    if (phase.equals("write")) {
      write();
    } else {
      read();
    }
  }

  void write() throws Exception {
    List<String> lines = new ArrayList<>();
    DefaultMQProducer p = Compat.producer(Compat.unique("pg"));
    try {
      for (int t = 0; t < QUEUES.length; t++) {
        String topic = topic(t);
        Compat.createTopic(p, topic, QUEUES[t]);
        int n = t == 0 ? CONSUMED : PER_TOPIC;
        for (int i = 0; i < n; i++) {
          lines.add(t + "," + new Compat.Sent(p.send(Compat.message(topic, topic, i))).toLine(i));
        }
      }
      Compat.Collector c = new Compat.Collector();
      DefaultMQPushConsumer consumer = Compat.pushConsumer(group(), topic(0), c);
      try {
        c.awaitUnique(CONSUMED, 60_000);
        Compat.sleep(300);
      } finally {
        consumer.shutdown();
      }
      for (int i = CONSUMED; i < PER_TOPIC; i++) {
        lines.add("0," + new Compat.Sent(p.send(Compat.message(topic(0), topic(0), i))).toLine(i));
      }
      createSubscriptionGroup(p);
    } finally {
      p.shutdown();
    }
    Files.createDirectories(stateFile().getParent());
    Files.write(stateFile(), lines, StandardCharsets.UTF_8);
  }

  /** UPDATE_AND_CREATE_SUBSCRIPTIONGROUP through the client's API (the config class moved in 5.x). */
  static void createSubscriptionGroup(DefaultMQProducer p) throws Exception {
    Object cfg;
    try {
      cfg = Class.forName("org.apache.rocketmq.common.subscription.SubscriptionGroupConfig")
          .getDeclaredConstructor().newInstance();
    } catch (ClassNotFoundException e) {
      cfg = Class.forName("org.apache.rocketmq.remoting.protocol.subscription.SubscriptionGroupConfig")
          .getDeclaredConstructor().newInstance();
    }
    cfg.getClass().getMethod("setGroupName", String.class).invoke(cfg, subGroup());
    cfg.getClass().getMethod("setRetryMaxTimes", int.class).invoke(cfg, RETRY_MAX_TIMES);
    cfg.getClass().getMethod("setConsumeBroadcastEnable", boolean.class).invoke(cfg, true);
    Object api = p.getDefaultMQProducerImpl().getmQClientFactory().getMQClientAPIImpl();
    for (Method m : api.getClass().getMethods()) {
      if (m.getName().equals("createSubscriptionGroup") && m.getParameterCount() == 3) {
        m.invoke(api, brokerAddr(p), cfg, 5000L);
        return;
      }
    }
    throw new AssertionError("no MQClientAPIImpl.createSubscriptionGroup");
  }

  static String brokerAddr(DefaultMQProducer p) {
    String addr = p.getDefaultMQProducerImpl().getmQClientFactory().findBrokerAddressInPublish("broker-a");
    assertNotNull(addr, "address of broker-a");
    return addr;
  }

  void read() throws Exception {
    Map<String, Compat.Sent> sent = new HashMap<>();
    for (String line : Files.readAllLines(stateFile(), StandardCharsets.UTF_8)) {
      int comma = line.indexOf(',');
      String rest = line.substring(comma + 1);
      sent.put(line.substring(0, comma) + "/" + rest.split(",")[0], new Compat.Sent(rest));
    }
    assertEquals(2 * PER_TOPIC, sent.size(), "state from phase write");

    DefaultMQProducer p = Compat.producer(Compat.unique("pg"));
    try {
      // 1. Topics with their queue counts (from the topic config file, via the route).
      for (int t = 0; t < QUEUES.length; t++) {
        String topic = topic(t);
        int want = QUEUES[t];
        Compat.waitFor("route of " + topic, 20_000, () -> {
          try {
            return p.fetchPublishMessageQueues(topic).size() == want;
          } catch (Exception e) {
            return false;
          }
        });
      }

      // 2. The committed offsets: group G resumes with exactly the pending messages of topic 1.
      Compat.Collector resumed = new Compat.Collector();
      DefaultMQPushConsumer g = Compat.pushConsumer(group(), topic(0), resumed);
      try {
        resumed.awaitUnique(PENDING, 60_000);
        Compat.sleep(1500);
      } finally {
        g.shutdown();
      }
      for (MessageExt m : resumed.all) {
        assertTrue(Compat.seqOf(m) >= CONSUMED, "already consumed before the switch: seq " + Compat.seqOf(m));
        Compat.assertMatchesSend(sent.get("0/" + Compat.seqOf(m)), m);
      }
      assertEquals(PENDING, resumed.all.size(), "deliveries to the resumed group");

      // 3. Every message of both topics, unchanged, from the ConsumeQueues.
      for (int t = 0; t < QUEUES.length; t++) {
        String topic = topic(t);
        Compat.Collector all = new Compat.Collector();
        DefaultMQPushConsumer fresh = Compat.pushConsumer(Compat.unique("cg"), topic, all);
        try {
          all.awaitUnique(PER_TOPIC, 60_000);
        } finally {
          fresh.shutdown();
        }
        for (MessageExt m : all.bySeq.values()) {
          Compat.assertSameContent(topic, topic, m);
          Compat.assertMatchesSend(sent.get(t + "/" + Compat.seqOf(m)), m);
        }
      }

      // 4. Key lookups through the IndexFile (QUERY_MESSAGE).
      @SuppressWarnings("deprecation")
      DefaultMQPullConsumer q = new DefaultMQPullConsumer(Compat.unique("qg"));
      q.setNamesrvAddr(Compat.namesrv());
      q.setInstanceName(Compat.unique("qi"));
      q.start();
      try {
        for (int t = 0; t < QUEUES.length; t++) {
          String topic = topic(t);
          for (int seq : new int[] {0, 17, PER_TOPIC - 1}) {
            QueryResult r = q.queryMessage(topic, "key-" + seq, 32, 0, Long.MAX_VALUE);
            int hits = 0;
            for (MessageExt m : r.getMessageList()) {
              if (Compat.seqOf(m) == seq && m.getTopic().equals(topic)) {
                Compat.assertSameContent(topic, topic, m);
                hits++;
              }
            }
            assertEquals(1, hits, "index lookup of key-" + seq + " in " + topic);
          }
        }
      } finally {
        q.shutdown();
      }

      // 5. The subscription group and its settings.
      var wrapper = p.getDefaultMQProducerImpl().getmQClientFactory().getMQClientAPIImpl()
          .getAllSubscriptionGroup(brokerAddr(p), 5000);
      var sg = wrapper.getSubscriptionGroupTable().get(subGroup());
      assertNotNull(sg, "subscription group " + subGroup());
      assertEquals(RETRY_MAX_TIMES, sg.getRetryMaxTimes(), "retryMaxTimes of " + subGroup());
      assertTrue(sg.isConsumeBroadcastEnable(), "consumeBroadcastEnable of " + subGroup());
      assertNotNull(wrapper.getSubscriptionGroupTable().get(group()), "auto-created group " + group());

      // 6. The write path continues every queue's offsets.
      for (int t = 0; t < QUEUES.length; t++) {
        String topic = topic(t);
        Map<Integer, Long> maxOffset = new HashMap<>();
        for (Map.Entry<String, Compat.Sent> e : sent.entrySet()) {
          if (e.getKey().startsWith(t + "/")) maxOffset.merge(e.getValue().queueId, e.getValue().queueOffset, Math::max);
        }
        for (int i = PER_TOPIC; i < PER_TOPIC + 2 * QUEUES[t]; i++) {
          SendResult r = p.send(Compat.message(topic, topic, i));
          int queue = r.getMessageQueue().getQueueId();
          long want = maxOffset.getOrDefault(queue, -1L) + 1;
          assertEquals(want, r.getQueueOffset(), "offset of a new send on " + topic + " queue " + queue);
          maxOffset.put(queue, r.getQueueOffset());
        }
      }
    } finally {
      p.shutdown();
    }
  }
}

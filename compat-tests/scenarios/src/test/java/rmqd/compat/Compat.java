package rmqd.compat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import org.apache.rocketmq.client.consumer.DefaultLitePullConsumer;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Shared helpers. Everything a scenario needs to know about the target comes from system
 * properties: rmq.namesrv (NameServer address), rocketmq.serialize.type (JSON|ROCKETMQ; read by the
 * client itself), rmq.client.version (set by the module pom, informational).
 */
final class Compat {
  static final String TAG_ADMIN = "admin";      // needs rocketmq-tools (4.9 module only)
  static final String TAG_BASIC = "basic";      // the mixed-cluster phases run only these
  static final String TAG_RESTART = "restart";  // run by run.sh around a server restart
  static final String TAG_ACL = "acl";          // run.sh phase "acl": a broker with aclEnable=true
  static final String TAG_TLS = "tls";          // run.sh phase "tls": a server with TLS on
  static final String TAG_STORE = "store";      // run.sh phase "store": one store, Java and rmqd in turn
  static final String TAG_KNOWN_GAP = "knowngap";  // excluded by default; listed in docs/compatibility.md
  // run.sh phase "shortpoll": a broker with longPollingEnable=false and filterSupportRetry=true
  static final String TAG_SHORTPOLL = "shortpoll";
  // run.sh phase "slave": a lone broker with brokerRole=SLAVE and brokerId=1 (no master)
  static final String TAG_SLAVE = "slave";

  private static final AtomicLong SEQ = new AtomicLong();
  private static volatile boolean bannerPrinted;

  private Compat() {}

  static String namesrv() {
    return System.getProperty("rmq.namesrv", "127.0.0.1:19876");
  }

  static String serializeType() {
    return System.getProperty("rocketmq.serialize.type", "JSON");
  }

  static String clientVersion() {
    return System.getProperty("rmq.client.version", "unknown");
  }

  /** Short tag for names: v4 / v5 plus serialization, e.g. "v4J". */
  static String clientTag() {
    return "v" + clientVersion().charAt(0) + serializeType().charAt(0);
  }

  static synchronized void banner() {
    if (!bannerPrinted) {
      bannerPrinted = true;
      System.out.println("compat: rocketmq-client " + clientVersion() + " (" + serializeType() + ")"
          + " against namesrv " + namesrv());
    }
  }

  /** A topic/group name unique to this JVM run, legal for RocketMQ ([a-zA-Z0-9_-]). */
  static String unique(String prefix) {
    return prefix + "_" + clientTag() + "_" + Long.toString(System.currentTimeMillis(), 36)
        + "_" + SEQ.incrementAndGet();
  }

  static DefaultMQProducer producer(String group) throws Exception {
    banner();
    DefaultMQProducer p = new DefaultMQProducer(group);
    p.setNamesrvAddr(namesrv());
    p.setInstanceName(group);
    p.setSendMsgTimeout(10_000);
    p.start();
    return p;
  }

  static DefaultMQPushConsumer pushConsumer(String group, String topic, MessageListenerConcurrently l)
      throws Exception {
    banner();
    DefaultMQPushConsumer c = new DefaultMQPushConsumer(group);
    c.setNamesrvAddr(namesrv());
    c.setInstanceName(group + "_" + SEQ.incrementAndGet());
    c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
    c.setConsumeThreadMin(4);
    c.setConsumeThreadMax(4);
    c.subscribe(topic, "*");
    c.registerMessageListener(l);
    c.start();
    settle(c, topic);
    return c;
  }

  /**
   * Works around a 5.3.1 client race that made 5.3.1 scenarios flaky against the Java brokers and
   * rmqd alike. When a rebalance changes a consumer's queues, the client stamps its subscription with
   * a new subVersion and tells the broker in a heartbeat that only tryLocks the client's heartbeat
   * lock. If another heartbeat holds the lock, as happens around start-up, the notice is dropped.
   * Every pull then carries a subVersion newer than the broker's and is answered
   * SUBSCRIPTION_NOT_LATEST (25), until the next periodic heartbeat up to 30 s later. This waits up
   * to 5 s for the first rebalance of `topic`, then sends one heartbeat. 4.9.8 consumers are left as
   * they are.
   */
  static void settle(DefaultMQPushConsumer c, String topic) {
    if (!clientVersion().startsWith("5")) return;
    var impl = c.getDefaultMQPushConsumerImpl();
    long deadline = System.currentTimeMillis() + 5_000;
    while (System.currentTimeMillis() < deadline
        && impl.getRebalanceImpl().getProcessQueueTable().keySet().stream().noneMatch(mq -> mq.getTopic().equals(topic))) {
      sleep(20);
    }
    sleep(200);  // the queues are in the table just before the new subVersion is stamped
    impl.getmQClientFactory().sendHeartbeatToAllBrokerWithLock();
  }

  static DefaultLitePullConsumer litePullConsumer(String group, String topic) throws Exception {
    banner();
    DefaultLitePullConsumer c = new DefaultLitePullConsumer(group);
    c.setNamesrvAddr(namesrv());
    c.setInstanceName(group + "_" + SEQ.incrementAndGet());
    c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
    c.subscribe(topic, "*");
    c.start();
    return c;
  }

  /** Creates the topic on every master found in TBW102's route (UPDATE_AND_CREATE_TOPIC) and waits for its route. */
  static void createTopic(DefaultMQProducer p, String topic, int queues) throws Exception {
    // 4.9: createTopic(key, topic, queueNum); 5.x: createTopic(key, topic, queueNum, attributes).
    try {
      p.getClass().getMethod("createTopic", String.class, String.class, int.class, Map.class)
          .invoke(p, "TBW102", topic, queues, new java.util.HashMap<String, String>());
    } catch (NoSuchMethodException e) {
      p.getClass().getMethod("createTopic", String.class, String.class, int.class).invoke(p, "TBW102", topic, queues);
    } catch (java.lang.reflect.InvocationTargetException e) {
      throw (Exception) e.getCause();
    }
    waitFor("route of " + topic, 20_000, () -> {
      try {
        return p.fetchPublishMessageQueues(topic).size() == queues;
      } catch (Exception e) {
        return false;
      }
    });
  }

  static void waitFor(String what, long timeoutMs, BooleanSupplier cond) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (!cond.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        fail("timed out after " + timeoutMs + " ms waiting for " + what);
      }
      Thread.sleep(100);
    }
  }

  // ---- message content -------------------------------------------------------------------

  static byte[] body(String run, int seq) {
    return ("中文消息 emoji 🚀😀 " + run + " #" + seq + " ünïcødé ✓").getBytes(StandardCharsets.UTF_8);
  }

  static Message message(String topic, String run, int seq) {
    Message m = new Message(topic, seq % 2 == 0 ? "TagA" : "TagB", "key-" + seq + " k2-" + run, body(run, seq));
    m.putUserProperty("seq", Integer.toString(seq));
    m.putUserProperty("run", run);
    m.putUserProperty("prop_cn", "属性值-" + seq);
    m.putUserProperty("prop_emoji", "🎉x" + seq);
    return m;
  }

  static int seqOf(MessageExt m) {
    return Integer.parseInt(m.getUserProperty("seq"));
  }

  /** Asserts that a received message is exactly what {@link #message} produced for its seq. */
  static void assertSameContent(String topic, String run, MessageExt got) {
    int seq = seqOf(got);
    Message want = message(topic, run, seq);
    assertEquals(topic, got.getTopic());
    assertArrayEquals(want.getBody(), got.getBody(), "body of seq " + seq);
    assertEquals(want.getTags(), got.getTags(), "tags of seq " + seq);
    assertEquals(want.getKeys(), got.getKeys(), "keys of seq " + seq);
    for (String k : new String[] {"seq", "run", "prop_cn", "prop_emoji"}) {
      assertEquals(want.getUserProperty(k), got.getUserProperty(k), "property " + k + " of seq " + seq);
    }
    assertNotNull(got.getMsgId());
    assertTrue(got.getStoreTimestamp() > 0, "storeTimestamp");
    assertTrue(got.getBornTimestamp() > 0, "bornTimestamp");
  }

  /** What the producer learnt from a SendResult, used to check what the consumer sees. */
  static final class Sent {
    final String msgId;
    final String offsetMsgId;
    final int queueId;
    final long queueOffset;

    Sent(SendResult r) {
      assertEquals(SendStatus.SEND_OK, r.getSendStatus(), "send status");
      this.msgId = r.getMsgId();
      this.offsetMsgId = r.getOffsetMsgId();
      this.queueId = r.getMessageQueue().getQueueId();
      this.queueOffset = r.getQueueOffset();
      assertNotNull(msgId, "SendResult.msgId");
      assertNotNull(offsetMsgId, "SendResult.offsetMsgId");
    }

    Sent(String line) {
      String[] f = line.split(",");
      msgId = f[1];
      offsetMsgId = f[2];
      queueId = Integer.parseInt(f[3]);
      queueOffset = Long.parseLong(f[4]);
    }

    String toLine(int seq) {
      return seq + "," + msgId + "," + offsetMsgId + "," + queueId + "," + queueOffset;
    }
  }

  /** Checks a received message against the SendResult of the same seq. */
  static void assertMatchesSend(Sent s, MessageExt got) {
    int seq = seqOf(got);
    assertEquals(s.msgId, got.getMsgId(), "msgId (UNIQ_KEY) of seq " + seq);
    assertEquals(s.queueId, got.getQueueId(), "queueId of seq " + seq);
    assertEquals(s.queueOffset, got.getQueueOffset(), "queueOffset of seq " + seq);
    // MessageClientExt.getOffsetMsgId(): the broker-computed id (store host + commitlog offset).
    assertEquals(s.offsetMsgId, offsetMsgIdOf(got), "offsetMsgId of seq " + seq);
  }

  static String offsetMsgIdOf(MessageExt m) {
    try {
      return (String) m.getClass().getMethod("getOffsetMsgId").invoke(m);
    } catch (ReflectiveOperationException e) {
      return null;
    }
  }

  /** Per queue, the offsets seen must be exactly base..base+n-1 (no gaps, no duplicates). */
  static void assertContiguousOffsets(Iterable<? extends MessageExt> msgs, long base) {
    Map<Integer, List<Long>> byQueue = new ConcurrentHashMap<>();
    for (MessageExt m : msgs) {
      byQueue.computeIfAbsent(m.getQueueId(), k -> new ArrayList<>()).add(m.getQueueOffset());
    }
    for (Map.Entry<Integer, List<Long>> e : byQueue.entrySet()) {
      List<Long> offs = e.getValue();
      offs.sort(Long::compare);
      for (int i = 0; i < offs.size(); i++) {
        assertEquals(base + i, (long) offs.get(i), "queue " + e.getKey() + " offsets " + offs);
      }
    }
  }

  /** A concurrent listener that records every delivery (duplicates included). */
  static final class Collector implements MessageListenerConcurrently {
    final ConcurrentLinkedQueue<MessageExt> all = new ConcurrentLinkedQueue<>();
    final Map<Integer, MessageExt> bySeq = new ConcurrentHashMap<>();

    @Override
    public ConsumeConcurrentlyStatus consumeMessage(List<MessageExt> msgs,
        org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyContext ctx) {
      for (MessageExt m : msgs) {
        all.add(m);
        bySeq.put(seqOf(m), m);
      }
      return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
    }

    void awaitUnique(int n, long timeoutMs) throws InterruptedException {
      waitFor(n + " distinct messages (have " + bySeq.size() + ")", timeoutMs, () -> bySeq.size() >= n);
    }
  }

  static void sleep(long ms) {
    try {
      TimeUnit.MILLISECONDS.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static MessageQueue queue(String topic, String brokerName, int id) {
    return new MessageQueue(topic, brokerName, id);
  }
}

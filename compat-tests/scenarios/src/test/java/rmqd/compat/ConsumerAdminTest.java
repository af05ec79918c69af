package rmqd.compat;

import java.lang.reflect.Method;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import org.apache.rocketmq.client.consumer.DefaultMQPullConsumer;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.exception.MQBrokerException;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.MessageQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static rmqd.compat.MqAdminTest.assertMatches;
import static rmqd.compat.MqAdminTest.mqadmin;

/**
 * Consumer administration through the real mqadmin (4.9.8 tools) and DefaultMQAdminExt, with a
 * live push consumer: GET_CONSUME_STATS, GET_CONSUMER_CONNECTION_LIST, GET_PRODUCER_CONNECTION_LIST,
 * GET_CONSUMER_RUNNING_INFO (relayed to the client), INVOKE_BROKER_TO_RESET_OFFSET (relayed as
 * RESET_CONSUMER_CLIENT_OFFSET), CLONE_GROUP_OFFSET, QUERY_TOPIC_CONSUME_BY_WHO,
 * QUERY_CONSUME_TIME_SPAN and the subscription group codes.
 */
@Tag(Compat.TAG_ADMIN)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsumerAdminTest {
  static final String CLUSTER = MqAdminTest.CLUSTER;
  static final int N = 8;
  static String topic;
  static String group;
  static String producerGroup;
  static DefaultMQProducer producer;
  static DefaultMQPushConsumer consumer;
  static final Compat.Collector got = new Compat.Collector();
  static long beforeSend;

  @BeforeAll
  static void setUp() throws Exception {
    topic = Compat.unique("cadm");
    group = Compat.unique("cadmg");
    producerGroup = Compat.unique("cadmp");
    producer = Compat.producer(producerGroup);
    Compat.createTopic(producer, topic, 2);
    consumer = new DefaultMQPushConsumer(group);
    consumer.setNamesrvAddr(Compat.namesrv());
    consumer.setInstanceName(Compat.unique("inst"));
    consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
    consumer.setPersistConsumerOffsetInterval(500);
    consumer.subscribe(topic, "*");
    consumer.registerMessageListener(got);
    consumer.start();
    beforeSend = System.currentTimeMillis();
    Compat.sleep(50);
    for (int i = 0; i < N; i++) producer.send(Compat.message(topic, topic, i));
    got.awaitUnique(N, 20_000);
    // The client persists offsets first 10 s after its start (then every 500 ms): wait for them
    // (GET_CONSUME_STATS through DefaultMQAdminExt).
    Object admin = admin();
    try {
      Compat.waitFor("committed offsets of " + group, 20_000, () -> {
        try {
          return (Long) call(call(admin, "examineConsumeStats", group), "computeTotalDiff") == 0;
        } catch (Exception e) {
          return false;
        }
      });
    } finally {
      call(admin, "shutdown");
    }
  }

  @AfterAll
  static void tearDown() {
    if (consumer != null) consumer.shutdown();
    if (producer != null) producer.shutdown();
  }

  @Test
  @Order(1)
  void consumerProgressShowsOffsetsAndNoLag() throws Exception {
    String out = mqadmin("consumerProgress", "-g", group);
    assertMatches("^" + Pattern.quote(topic) + "\\s+broker-a\\s+0\\s+\\d+\\s+\\d+", out);
    assertMatches("^" + Pattern.quote(topic) + "\\s+broker-a\\s+1\\s+\\d+\\s+\\d+", out);
    assertMatches("^Diff Total:\\s+0\\s*$", out);
  }

  @Test
  @Order(2)
  void consumerAndProducerConnections() throws Exception {
    String out = mqadmin("consumerConnection", "-g", group);
    assertMatches("^\\S+@" + Pattern.quote(consumer.getInstanceName()) + "\\s+127\\.0\\.0\\.1:\\d+\\s+JAVA\\s+V\\d", out);
    assertMatches("^" + Pattern.quote(topic) + "\\s+\\*\\s*$", out);
    assertMatches("^" + Pattern.quote("%RETRY%" + group) + "\\s+\\*\\s*$", out);
    assertMatches("^ConsumeType:\\s+CONSUME_PASSIVELY", out);
    assertMatches("^MessageModel:\\s+CLUSTERING", out);
    assertMatches("^ConsumeFromWhere:\\s+CONSUME_FROM_FIRST_OFFSET", out);
    String pout = mqadmin("producerConnection", "-g", producerGroup, "-t", topic);
    assertMatches("^0*1\\s+\\S+@" + Pattern.quote(producerGroup) + "\\s+127\\.0\\.0\\.1:\\d+\\s+JAVA\\s+V\\d", pout);
  }

  @Test
  @Order(3)
  void consumerStatusIsRelayedToTheClient() throws Exception {
    String clientId = consumer.buildMQClientId();
    String out = mqadmin("consumerStatus", "-g", group, "-i", clientId);
    assertMatches("#Consumer Subscription#", out);
    assertMatches(Pattern.quote(topic), out);
    assertMatches("#Consumer MQ Detail#", out);
    assertMatches("PROP_CONSUMEORDERLY\\s*:\\s*false", out);
  }

  @Test
  @Order(4)
  void resetOffsetByTimeMakesTheLiveConsumerReconsume() throws Exception {
    int before = got.all.size();
    String out = mqadmin("resetOffsetByTime", "-g", group, "-t", topic, "-s", Long.toString(beforeSend));
    assertMatches("^broker-a\\s+0\\s+0\\s*$", out);
    assertMatches("^broker-a\\s+1\\s+0\\s*$", out);
    Compat.waitFor("re-consumption after the reset", 20_000, () -> got.all.size() >= before + N);
    Compat.sleep(1500);
  }

  @Test
  @Order(5)
  void cloneGroupOffsetCopiesTheOffsets() throws Exception {
    String dest = Compat.unique("cadmclone");
    String out = mqadmin("cloneGroupOffset", "-s", group, "-d", dest, "-t", topic);
    assertMatches("clone group offset success", out);
    // The clone has the source's committed offsets (QUERY_CONSUMER_OFFSET). Oracle fact:
    // consumerProgress for the clone fails on Java (no %RETRY% route for a group never online).
    DefaultMQPullConsumer src = pullConsumer(group);
    DefaultMQPullConsumer dst = pullConsumer(dest);
    try {
      long total = 0;
      for (int q = 0; q < 2; q++) {
        MessageQueue mq = new MessageQueue(topic, "broker-a", q);
        long want = src.fetchConsumeOffset(mq, true);
        assertEquals(want, dst.fetchConsumeOffset(mq, true), "cloned offset of queue " + q);
        total += want;
      }
      assertEquals(N, total, "committed offsets of the source group");
    } finally {
      src.shutdown();
      dst.shutdown();
    }
  }

  static DefaultMQPullConsumer pullConsumer(String g) throws Exception {
    DefaultMQPullConsumer c = new DefaultMQPullConsumer(g);
    c.setNamesrvAddr(Compat.namesrv());
    c.setInstanceName(Compat.unique("inst"));
    c.start();
    return c;
  }

  @Test
  @Order(6)
  void queryTopicConsumeByWhoAndConsumeTimeSpan() throws Exception {
    // DefaultMQAdminExt by reflection: this source also compiles against the 5.3.1 client, which
    // has no rocketmq-tools (and whose body classes live in other packages).
    Object admin = admin();
    try {
      Object groups = call(admin, "queryTopicConsumeByWho", topic);
      Set<?> names = (Set<?>) call(groups, "getGroupList");
      assertTrue(names.contains(group), "groups of " + topic + ": " + names);
      List<?> spans = (List<?>) call(admin, "queryConsumeTimeSpan", topic, group);
      assertEquals(2, spans.size(), "time spans " + spans);
      for (Object sp : spans) {
        long min = (Long) call(sp, "getMinTimeStamp");
        long max = (Long) call(sp, "getMaxTimeStamp");
        long consumed = (Long) call(sp, "getConsumeTimeStamp");
        String desc = "min=" + min + " max=" + max + " consume=" + consumed + " beforeSend=" + beforeSend;
        assertTrue(min >= beforeSend - 1000 && min <= max && max <= System.currentTimeMillis(), desc);
        assertTrue(consumed >= min, desc);
      }
    } finally {
      call(admin, "shutdown");
    }
  }

  @Test
  @Order(7)
  void skipAccumulatedMessageMovesToTheEnd() throws Exception {
    String idle = Compat.unique("cadmskip");
    // Oracle fact: a group the broker never saw gets SYSTEM_ERROR with Java's remark (sic).
    String out = mqadmin("skipAccumulatedMessage", "-g", idle, "-t", topic);
    assertMatches("CODE: 1\\s+DESC: THe consumer group <" + Pattern.quote(idle) + "> not exist", out);
    String live = mqadmin("skipAccumulatedMessage", "-g", group, "-t", topic);
    assertMatches("^broker-a\\s+0\\s+" + N / 2 + "\\s*$", live);
    assertMatches("^broker-a\\s+1\\s+" + N / 2 + "\\s*$", live);
  }

  @Test
  @Order(8)
  void subscriptionGroupUpdateDisableAndDelete() throws Exception {
    String g = Compat.unique("cadmsub");
    String out = mqadmin("updateSubGroup", "-c", CLUSTER, "-g", g, "-r", "3", "-s", "false");
    assertMatches("create subscription group to \\S+:\\d+ success\\.", out);
    assertMatches("retryMaxTimes=3", out);
    assertMatches("consumeEnable=false", out);
    DefaultMQPullConsumer pull = new DefaultMQPullConsumer(g);
    pull.setNamesrvAddr(Compat.namesrv());
    pull.setInstanceName(Compat.unique("inst"));
    pull.start();
    try {
      MQBrokerException e = assertThrows(MQBrokerException.class,
          () -> pull.pull(new MessageQueue(topic, "broker-a", 0), "*", 0, 32));
      assertEquals(16, e.getResponseCode(), e.toString());
      assertTrue(e.getErrorMessage().startsWith("subscription group no permission, " + g), e.getErrorMessage());
    } finally {
      pull.shutdown();
    }
    String del = mqadmin("deleteSubGroup", "-c", CLUSTER, "-g", g);
    assertMatches("delete subscription group \\[" + Pattern.quote(g) + "\\] from broker \\[\\S+\\] in cluster \\["
        + Pattern.quote(CLUSTER) + "\\] success\\.", del);
  }

  static Object admin() throws Exception {
    Object a = Class.forName("org.apache.rocketmq.tools.admin.DefaultMQAdminExt").getConstructor().newInstance();
    call(a, "setNamesrvAddr", Compat.namesrv());
    call(a, "setInstanceName", Compat.unique("adm"));
    call(a, "start");
    return a;
  }

  /** Calls the public method `name` whose parameter count matches (the overloads used here differ in it). */
  static Object call(Object target, String name, Object... args) throws Exception {
    for (Method m : target.getClass().getMethods()) {
      if (m.getName().equals(name) && m.getParameterCount() == args.length) {
        try {
          return m.invoke(target, args);
        } catch (java.lang.reflect.InvocationTargetException e) {
          throw (Exception) e.getCause();
        }
      }
    }
    throw new NoSuchMethodException(name + "/" + args.length);
  }
}

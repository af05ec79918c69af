package rmqd.compat;

import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Map;
import java.util.regex.Pattern;

import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.MessageSelector;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.impl.MQClientAPIImpl;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;
import org.apache.rocketmq.remoting.netty.NettyClientConfig;
import org.apache.rocketmq.remoting.netty.NettyRemotingClient;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static rmqd.compat.ConsumerAdminTest.admin;
import static rmqd.compat.ConsumerAdminTest.call;
import static rmqd.compat.MqAdminTest.assertMatches;
import static rmqd.compat.MqAdminTest.mqadmin;

/**
 * The remaining NameServer and broker admin codes, through mqadmin (4.9.8 tools, child JVM), the
 * DefaultMQAdminExt API (by reflection) and, where no admin call sends a code, the raw remoting
 * client: 215/216 delete topic, 224 topics by cluster, 304/305 system topic lists, 205/327 write
 * perm, 100/101/102/219 KV config, 319 namesrv config, 322 data version, 10 SEND_MESSAGE (V1
 * header), 29/32 search offset / earliest store time, 46 CHECK_CLIENT_CONFIG, 21/26/43/201/45 broker
 * tables and config, 309 CONSUME_MESSAGE_DIRECTLY.
 */
@Tag(Compat.TAG_ADMIN)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AdminCoverageTest {
  static final String CLUSTER = MqAdminTest.CLUSTER;
  static final String BROKER = MqAdminTest.BROKER;
  static final int N = 4;
  static String topic;
  static String group;
  static String brokerAddr;
  static long beforeSend;
  static long afterSend;
  static DefaultMQProducer producer;
  static DefaultMQPushConsumer consumer;
  static final Compat.Collector got = new Compat.Collector();
  static Object admin;
  static NettyRemotingClient raw;

  @BeforeAll
  static void setUp() throws Exception {
    Compat.banner();
    topic = Compat.unique("acov");
    group = Compat.unique("acovg");
    producer = Compat.producer(Compat.unique("acovp"));
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
    Compat.sleep(20);
    SendResult r = null;
    for (int i = 0; i < N; i++) r = producer.send(Compat.message(topic, topic, i), new MessageQueue(topic, BROKER, 0));
    afterSend = System.currentTimeMillis();
    brokerAddr = producer.getDefaultMQProducerImpl().getmQClientFactory().findBrokerAddressInPublish(BROKER);
    assertNotNull(brokerAddr, "broker address of " + BROKER + " (last send " + r + ")");
    got.awaitUnique(N, 20_000);
    admin = admin();
    raw = new NettyRemotingClient(new NettyClientConfig());
    raw.start();
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (raw != null) raw.shutdown();
    if (admin != null) call(admin, "shutdown");
    if (consumer != null) consumer.shutdown();
    if (producer != null) producer.shutdown();
  }

  static RemotingCommand rawCall(String addr, int code, Map<String, String> ext, byte[] body) throws Exception {
    RemotingCommand req = RemotingCommand.createRequestCommand(code, null);
    if (ext != null) ext.forEach(req::addExtField);
    if (body != null) req.setBody(body);
    RemotingCommand resp = raw.invokeSync(addr, req, 5000);
    String text = resp.getBody() == null ? "null" : new String(resp.getBody(), StandardCharsets.UTF_8);
    System.out.println("compat: raw " + code + " at " + addr + " -> code=" + resp.getCode() + " remark=" + resp.getRemark()
        + " ext=" + resp.getExtFields() + " body=" + (text.length() > 2000 ? text.substring(0, 2000) + "..." : text));
    return resp;
  }

  static String bodyOf(RemotingCommand resp) {
    assertNotNull(resp.getBody(), "body of response code " + resp.getCode());
    return new String(resp.getBody(), StandardCharsets.UTF_8);
  }

  // ---- NameServer ----------------------------------------------------------------------------

  @Test
  @Order(1)
  void topicsByClusterAndSystemTopicList() throws Exception {
    // 224 GET_TOPICS_BY_CLUSTER
    Object list = call(admin, "fetchTopicsByCLuster", CLUSTER);
    Collection<?> topics = (Collection<?>) call(list, "getTopicList");
    assertTrue(topics.contains(topic), "topics of " + CLUSTER + ": " + topics);
    // 304 GET_SYSTEM_TOPIC_LIST_FROM_NS (MQClientAPIImpl.getSystemTopicList; no admin command sends it):
    // the cluster and broker names, and brokerAddr = a master of the cluster.
    String ns = rawBody(Compat.namesrv(), 304, null, null);
    assertMatches("\"" + Pattern.quote(CLUSTER) + "\"", ns);
    assertMatches("\"" + Pattern.quote(BROKER) + "\"", ns);
    assertMatches("\"brokerAddr\"\\s*:\\s*\"" + Pattern.quote(brokerAddr) + "\"", ns);
  }

  static String rawBody(String addr, int code, Map<String, String> ext, byte[] body) throws Exception {
    RemotingCommand resp = rawCall(addr, code, ext, body);
    assertEquals(0, resp.getCode(), "code " + code + ": " + resp.getRemark());
    return bodyOf(resp);
  }

  @Test
  @Order(2)
  void kvConfig() throws Exception {
    String ns = Compat.unique("kvns");
    String out = mqadmin("updateKvConfig", "-s", ns, "-k", "k1", "-v", "v1");
    assertMatches("create or update kv config to namespace success\\.", out);
    call(admin, "createAndUpdateKvConfig", ns, "k2", "v2");
    assertEquals("v1", call(admin, "getKVConfig", ns, "k1"));
    Map<?, ?> table = (Map<?, ?>) call(call(admin, "getKVListByNamespace", ns), "getTable");
    assertEquals(Map.of("k1", "v1", "k2", "v2"), table);
    String del = mqadmin("deleteKvConfig", "-s", ns, "-k", "k1");
    assertMatches("delete kv config from namespace success\\.", del);
    Exception e = assertThrows(Exception.class, () -> call(admin, "getKVConfig", ns, "k1"));
    System.out.println("compat: getKVConfig after delete -> " + e);
    // Java: QUERY_NOT_FOUND (22), "No config item, Namespace: <ns> Key: k1".
    assertMatches("CODE: 22\\s+DESC: No config item, Namespace: " + Pattern.quote(ns) + " Key: k1", String.valueOf(e.getMessage()));
    Map<?, ?> rest = (Map<?, ?>) call(call(admin, "getKVListByNamespace", ns), "getTable");
    assertEquals(Map.of("k2", "v2"), rest);
  }

  @Test
  @Order(3)
  void namesrvConfig() throws Exception {
    String out = mqadmin("getNamesrvConfig");
    assertMatches("^=+\\s*" + Pattern.quote(Compat.namesrv()) + "\\s*=+$", out);
    assertMatches("^listenPort\\s*=\\s*" + Pattern.quote(Compat.namesrv().replaceAll(".*:", "")) + "\\s*$", out);
    assertMatches("^kvConfigPath\\s*=\\s*\\S+", out);
  }

  @Test
  @Order(4)
  void queryDataVersion() throws Exception {
    // 322 QUERY_DATA_VERSION: sent by a Java broker only with forceRegister=false; raw here. A version
    // the NameServer does not hold is "changed"; the body is the NameServer's DataVersion of the broker.
    RemotingCommand resp = rawCall(Compat.namesrv(), 322, Map.of("brokerName", BROKER, "brokerAddr", brokerAddr,
        "clusterName", CLUSTER, "brokerId", "0"), "{\"counter\":0,\"timestamp\":0}".getBytes(StandardCharsets.UTF_8));
    assertEquals(0, resp.getCode(), resp.getRemark());
    assertEquals("true", resp.getExtFields().get("changed"));
    String body = bodyOf(resp);
    assertMatches("\"counter\"\\s*:\\s*\\d+", body);
    assertMatches("\"timestamp\"\\s*:\\s*\\d+", body);
  }

  @Test
  @Order(5)
  void wipeAndAddWritePerm() throws Exception {
    try {
      String out = mqadmin("wipeWritePerm", "-b", BROKER);
      assertMatches("wipe write perm of broker\\[" + Pattern.quote(BROKER) + "\\] in name server\\[\\S+\\] OK, [1-9]", out);
      assertEquals(4, routePerm(), "perm after wipeWritePerm");
    } finally {
      String out = mqadmin("addWritePerm", "-b", BROKER);
      assertMatches("add write perm of broker\\[" + Pattern.quote(BROKER) + "\\] in name server\\[\\S+\\] OK, [1-9]", out);
    }
    assertEquals(6, routePerm(), "perm after addWritePerm");
  }

  static int routePerm() throws Exception {
    Object route = call(admin, "examineTopicRouteInfo", topic);
    Object qd = ((java.util.List<?>) call(route, "getQueueDatas")).get(0);
    return (Integer) call(qd, "getPerm");
  }

  // ---- broker ----------------------------------------------------------------------------------

  @Test
  @Order(10)
  void sendMessageV1() throws Exception {
    // 10 SEND_MESSAGE: the 4.9 client sends it instead of 310 when sendSmartMsg is false (a static read
    // once from org.apache.rocketmq.client.sendSmartMsg; flipped here for this one send).
    Field f = MQClientAPIImpl.class.getDeclaredField("sendSmartMsg");
    f.setAccessible(true);
    boolean old = f.getBoolean(null);
    f.setBoolean(null, false);
    SendResult r;
    try {
      r = producer.send(Compat.message(topic, topic, N), new MessageQueue(topic, BROKER, 1));
    } finally {
      f.setBoolean(null, old);
    }
    assertEquals(SendStatus.SEND_OK, r.getSendStatus());
    assertEquals(0, r.getQueueOffset());
    got.awaitUnique(N + 1, 20_000);
    MessageExt m = got.all.stream().filter(x -> Compat.seqOf(x) == N).findFirst().orElseThrow();
    Compat.assertSameContent(topic, topic, m);
    assertEquals(r.getMsgId(), m.getMsgId());
  }

  @Test
  @Order(11)
  void searchOffsetAndEarliestStoreTime() throws Exception {
    MessageQueue mq = new MessageQueue(topic, BROKER, 0);
    long earliest = (Long) call(admin, "earliestMsgStoreTime", mq);
    assertTrue(earliest >= beforeSend - 1000 && earliest <= afterSend + 1000,
        "earliest " + earliest + " not in [" + beforeSend + ", " + afterSend + "]");
    assertEquals(0L, call(admin, "searchOffset", mq, beforeSend - 60_000));
    long late = (Long) call(admin, "searchOffset", mq, afterSend + 60_000);
    System.out.println("compat: searchOffset after the last message -> " + late);
    // Oracle fact (Java 4.9.7): a time after the last message gives that message's offset, not the max.
    assertEquals((long) N - 1, late);
  }

  @Test
  @Order(12)
  void checkClientConfigSql() throws Exception {
    // run.sh starts the broker with enablePropertyFilter=true: a compilable SQL92 selector passes
    // CHECK_CLIENT_CONFIG (the consumer starts); one that does not compile is refused with
    // SUBSCRIPTION_PARSE_FAILED (23) and Java's remark. (With the filter off the answer would be
    // SYSTEM_ERROR "The broker does not support consumer to filter message by SQL92".)
    for (String sql : new String[] {"a > 1", "a > 'x'"}) {
      DefaultMQPushConsumer c = new DefaultMQPushConsumer(Compat.unique("acovsql"));
      c.setNamesrvAddr(Compat.namesrv());
      c.setInstanceName(Compat.unique("inst"));
      c.subscribe(topic, MessageSelector.bySql(sql));
      c.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> ConsumeConcurrentlyStatus.CONSUME_SUCCESS);
      try {
        if (sql.equals("a > 1")) {
          c.start();
        } else {
          MQClientException e = assertThrows(MQClientException.class, c::start);
          System.out.println("compat: SQL92 consumer start with '" + sql + "' -> " + e);
          assertEquals(23, e.getResponseCode(), e.toString());
          // Oracle fact (Java 4.9.7): the remark is the parser exception's class and message
          // (5.x brokers answer "Invalid MessageSelector. ").
          assertEquals("java.lang.RuntimeException: Value ''x'' cannot be compared.", e.getErrorMessage(), e.toString());
        }
      } finally {
        c.shutdown();
      }
    }
  }

  @Test
  @Order(13)
  void brokerConfigAndTables() throws Exception {
    // 26 GET_BROKER_CONFIG
    String out = mqadmin("getBrokerConfig", "-b", brokerAddr);
    assertMatches("^brokerName\\s*=\\s*" + Pattern.quote(BROKER) + "\\s*$", out);
    assertMatches("^brokerClusterName\\s*=\\s*" + Pattern.quote(CLUSTER) + "\\s*$", out);
    assertMatches("^autoCreateTopicEnable\\s*=\\s*true\\s*$", out);
    // 21 GET_ALL_TOPIC_CONFIG
    Object wrapper = call(admin, "getAllTopicConfig", brokerAddr, 5000L);
    Map<?, ?> topics = (Map<?, ?>) call(wrapper, "getTopicConfigTable");
    Object tc = topics.get(topic);
    assertNotNull(tc, "topic config of " + topic + " in " + topics.keySet());
    assertEquals(2, call(tc, "getReadQueueNums"));
    assertEquals(2, call(tc, "getWriteQueueNums"));
    assertTrue(topics.containsKey("TBW102"), topics.keySet().toString());
    assertNotNull(call(wrapper, "getDataVersion"));
    // 201 GET_ALL_SUBSCRIPTIONGROUP_CONFIG
    Object subs = call(admin, "getAllSubscriptionGroup", brokerAddr, 5000L);
    Map<?, ?> groups = (Map<?, ?>) call(subs, "getSubscriptionGroupTable");
    assertNotNull(groups.get(group), "subscription group " + group + " in " + groups.keySet());
    assertEquals(true, call(groups.get(group), "isConsumeEnable"));
    // 305 GET_SYSTEM_TOPIC_LIST_FROM_BROKER (MQClientAPIImpl.getSystemTopicListFromBroker)
    String sys = rawBody(brokerAddr, 305, null, null);
    // Java answers TopicValidator's system topic set, whether or not each topic exists here.
    for (String t : new String[] {"SCHEDULE_TOPIC_XXXX", "TBW102", "TRANS_CHECK_MAX_TIME_TOPIC", "RMQ_SYS_TRANS_HALF_TOPIC",
        "OFFSET_MOVED_EVENT", "SELF_TEST_TOPIC", "BenchmarkTest", CLUSTER + "_REPLY_TOPIC"}) {
      assertMatches("\"" + Pattern.quote(t) + "\"", sys);
    }
    assertMatches("\"" + Pattern.quote(CLUSTER) + "\"", sys);
    assertMatches("\"" + Pattern.quote(BROKER) + "\"", sys);
  }

  @Test
  @Order(14)
  void consumerAndDelayOffsets() throws Exception {
    // 43 GET_ALL_CONSUMER_OFFSET (no admin call in 4.9.8 tools): ConsumerOffsetManager's JSON with
    // "topic@group" keys, once the consumer has committed.
    String key = topic + "@" + group;
    Compat.waitFor("committed offset of " + key, 20_000, () -> {
      try {
        return Pattern.compile("\"" + Pattern.quote(key) + "\"\\s*:\\s*\\{[^}]*\\b0\\s*:\\s*" + N)
            .matcher(rawBody(brokerAddr, 43, null, null)).find();
      } catch (Exception e) {
        return false;
      }
    });
    // 45 GET_ALL_DELAY_OFFSET: {"offsetTable":{level:offset}}; a delayed message makes level 2 appear.
    org.apache.rocketmq.common.message.Message m = Compat.message(topic, topic, 99);
    m.setDelayTimeLevel(2);
    assertEquals(SendStatus.SEND_OK, producer.send(m).getSendStatus());
    Compat.waitFor("delay level 2 offset", 20_000, () -> {
      try {
        Thread.sleep(500);
        return Pattern.compile("\"offsetTable\"\\s*:\\s*\\{.*\\b2\\s*:\\s*[1-9]").matcher(rawBody(brokerAddr, 45, null, null)).find();
      } catch (Exception e) {
        return false;
      }
    });
  }

  @Test
  @Order(15)
  void consumeMessageDirectly() throws Exception {
    SendResult r = producer.send(Compat.message(topic, topic, 200));
    got.awaitUnique(N + 3, 20_000);
    Object res = call(admin, "consumeMessageDirectly", group, consumer.buildMQClientId(), r.getOffsetMsgId());
    System.out.println("compat: consumeMessageDirectly -> " + res);
    assertEquals("CR_SUCCESS", String.valueOf(call(res, "getConsumeResult")));
    assertEquals(false, call(res, "isOrder"));
    assertEquals(true, call(res, "isAutoCommit"));
  }

  // ---- NameServer: unit topic lists, unregistering a broker ------------------------------------

  @Test
  @Order(16)
  void unitTopicLists() throws Exception {
    // 311 GET_UNIT_TOPIC_LIST, 312 GET_HAS_UNIT_SUB_TOPIC_LIST, 313 GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST:
    // no topic in this suite carries a unit flag, so each answers SUCCESS with an empty TopicList.
    for (int code : new int[] {311, 312, 313}) {
      String body = rawBody(Compat.namesrv(), code, null, null);
      assertMatches("\"topicList\"\\s*:\\s*\\[\\s*\\]", body);
    }
  }

  @Test
  @Order(17)
  void unregisterBroker() throws Exception {
    // 103 REGISTER_BROKER for a broker that does not exist (raw, empty topic table), then 104
    // UNREGISTER_BROKER: GET_BROKER_CLUSTER_INFO (106) lists it in between and not afterwards.
    String name = Compat.unique("ghost");
    String addr = "127.0.0.1:1";  // nothing listens there; the NameServer never connects to a broker
    RemotingCommand reg = rawCall(Compat.namesrv(), 103, registerExt(name, addr, "127.0.0.1:2", 0), emptyRegisterBody());
    assertEquals(0, reg.getCode(), "REGISTER_BROKER: " + reg.getRemark());
    assertTrue(rawBody(Compat.namesrv(), 106, null, null).contains("\"" + name + "\""), "cluster info lists " + name);
    Map<String, String> un = Map.of("brokerName", name, "brokerAddr", addr, "clusterName", CLUSTER, "brokerId", "0");
    RemotingCommand resp = rawCall(Compat.namesrv(), 104, un, null);
    assertEquals(0, resp.getCode(), "UNREGISTER_BROKER: " + resp.getRemark());
    String after = rawBody(Compat.namesrv(), 106, null, null);
    assertTrue(!after.contains("\"" + name + "\""), name + " is still in " + after);
    assertTrue(after.contains("\"" + BROKER + "\""), "the real broker is still listed: " + after);
  }

  @Test
  @Order(18)
  void registerSlaveGetsMasterAddress() throws Exception {
    // 103 REGISTER_BROKER answers a slave (brokerId != 0) with its master's address and that
    // master's haServerAddr in RegisterBrokerResponseHeader (RouteInfoManager.registerBroker);
    // a master gets neither. A ghost pair (nothing listens there), unregistered afterwards.
    String name = Compat.unique("ghostpair");
    String masterAddr = "127.0.0.1:3", slaveAddr = "127.0.0.1:5";
    RemotingCommand master = rawCall(Compat.namesrv(), 103, registerExt(name, masterAddr, "127.0.0.1:4", 0), emptyRegisterBody());
    assertEquals(0, master.getCode(), "REGISTER_BROKER master: " + master.getRemark());
    Map<String, String> mext = master.getExtFields() == null ? Map.of() : master.getExtFields();
    assertTrue(mext.get("masterAddr") == null, "a master gets no masterAddr: " + mext);
    assertTrue(mext.get("haServerAddr") == null, "a master gets no haServerAddr: " + mext);
    RemotingCommand slave = rawCall(Compat.namesrv(), 103, registerExt(name, slaveAddr, "127.0.0.1:6", 1), emptyRegisterBody());
    assertEquals(0, slave.getCode(), "REGISTER_BROKER slave: " + slave.getRemark());
    assertNotNull(slave.getExtFields(), "slave answer header");
    assertEquals(masterAddr, slave.getExtFields().get("masterAddr"));
    assertEquals("127.0.0.1:4", slave.getExtFields().get("haServerAddr"));
    unregisterPair(name, masterAddr, slaveAddr);
  }

  static void unregisterPair(String name, String masterAddr, String slaveAddr) throws Exception {
    for (String[] b : new String[][] {{slaveAddr, "1"}, {masterAddr, "0"}}) {
      Map<String, String> un = Map.of("brokerName", name, "brokerAddr", b[0], "clusterName", CLUSTER, "brokerId", b[1]);
      assertEquals(0, rawCall(Compat.namesrv(), 104, un, null).getCode());
    }
  }

  static Map<String, String> registerExt(String name, String addr, String haAddr, int id) {
    Map<String, String> ext = new java.util.HashMap<>();
    ext.put("brokerName", name);
    ext.put("brokerAddr", addr);
    ext.put("clusterName", CLUSTER);
    ext.put("haServerAddr", haAddr);
    ext.put("brokerId", String.valueOf(id));
    ext.put("compressed", "false");
    return ext;
  }

  static byte[] emptyRegisterBody() throws Exception {
    // RegisterBrokerBody moved package in 5.x; these sources compile against both clients.
    Class<?> bodyClass;
    try {
      bodyClass = Class.forName("org.apache.rocketmq.common.protocol.body.RegisterBrokerBody");
    } catch (ClassNotFoundException e) {
      bodyClass = Class.forName("org.apache.rocketmq.remoting.protocol.body.RegisterBrokerBody");
    }
    Object empty = bodyClass.getConstructor().newInstance();
    return (byte[]) bodyClass.getMethod("encode", boolean.class).invoke(empty, false);
  }

  @Test
  @Order(19)
  void slaveOfAMasterThatIsNotLiveGetsNoMasterAddress() throws Exception {
    // RouteInfoManager.registerBroker names the master only while it has a live entry. An
    // UNREGISTER_BROKER with the master's address but another brokerId drops the live entry and
    // keeps brokerAddrs[0]; a slave registering then gets neither masterAddr nor haServerAddr.
    String name = Compat.unique("ghostlive");
    String masterAddr = "127.0.0.1:7", slaveAddr = "127.0.0.1:9";
    assertEquals(0, rawCall(Compat.namesrv(), 103, registerExt(name, masterAddr, "127.0.0.1:8", 0), emptyRegisterBody()).getCode());
    Map<String, String> wrongId = Map.of("brokerName", name, "brokerAddr", masterAddr, "clusterName", CLUSTER, "brokerId", "1");
    assertEquals(0, rawCall(Compat.namesrv(), 104, wrongId, null).getCode());
    RemotingCommand slave = rawCall(Compat.namesrv(), 103, registerExt(name, slaveAddr, "127.0.0.1:10", 1), emptyRegisterBody());
    assertEquals(0, slave.getCode(), "REGISTER_BROKER slave: " + slave.getRemark());
    Map<String, String> ext = slave.getExtFields() == null ? Map.of() : slave.getExtFields();
    assertTrue(ext.get("masterAddr") == null, "no masterAddr for a master that is not live: " + ext);
    assertTrue(ext.get("haServerAddr") == null, "no haServerAddr for a master that is not live: " + ext);
    unregisterPair(name, masterAddr, slaveAddr);
  }

  // ---- delete topic (last: the topic is gone afterwards) ---------------------------------------

  @Test
  @Order(20)
  void deleteTopic() throws Exception {
    String out = mqadmin("deleteTopic", "-c", CLUSTER, "-t", topic);
    assertMatches("delete topic \\[" + Pattern.quote(topic) + "\\] from cluster \\[" + Pattern.quote(CLUSTER) + "\\] success\\.", out);
    assertMatches("delete topic \\[" + Pattern.quote(topic) + "\\] from NameServer success\\.", out);
    Collection<?> all = (Collection<?>) call(call(admin, "fetchAllTopicList"), "getTopicList");
    assertTrue(!all.contains(topic), topic + " still listed");
    Exception e = assertThrows(Exception.class, () -> call(admin, "examineTopicRouteInfo", topic));
    System.out.println("compat: route after deleteTopic -> " + e);
    assertMatches("CODE: 17\\s+DESC: No topic route info in name server for the topic: " + Pattern.quote(topic), String.valueOf(e.getMessage()));
    Object wrapper = call(admin, "getAllTopicConfig", brokerAddr, 5000L);
    Map<?, ?> topics = (Map<?, ?>) call(wrapper, "getTopicConfigTable");
    assertTrue(!topics.containsKey(topic), topic + " still in the broker's topic table");
  }
}

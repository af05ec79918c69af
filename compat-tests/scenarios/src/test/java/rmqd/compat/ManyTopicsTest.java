package rmqd.compat;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import org.apache.rocketmq.common.TopicConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static rmqd.compat.ConsumerAdminTest.admin;
import static rmqd.compat.ConsumerAdminTest.call;

/**
 * Issue #11 item 6 through the official admin client: DefaultMQAdminExt.createAndUpdateTopicConfig
 * (UPDATE_AND_CREATE_TOPIC, 17) for some thousands of topics on the broker, one after another as
 * mqadmin updateTopic does; then every one is routable from the NameServer
 * (examineTopicRouteInfo, 105: this broker, the queue counts created) and listed by
 * fetchAllTopicList (206). The time is printed for both servers (the Java 4.9.7 broker rewrites
 * topics.json on every create).
 */
@Tag(Compat.TAG_ADMIN)
class ManyTopicsTest {
  static final int TOPICS = Integer.getInteger("rmq.manyTopics", 3000);
  static Object admin;
  static String brokerAddr;

  @BeforeAll
  static void setUp() throws Exception {
    Compat.banner();
    admin = admin();
    Object cluster = call(admin, "examineBrokerClusterInfo");
    Map<?, ?> brokers = (Map<?, ?>) call(cluster, "getBrokerAddrTable");
    Object bd = brokers.get(MqAdminTest.BROKER);
    assertNotNull(bd, "broker " + MqAdminTest.BROKER + " in " + brokers.keySet());
    brokerAddr = (String) call(bd, "selectBrokerAddr");
    assertNotNull(brokerAddr);
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (admin != null) call(admin, "shutdown");
  }

  @Test
  void thousandsOfTopicsCreatedByTheAdminClientAreAllRoutable() throws Exception {
    String prefix = Compat.unique("many");
    List<String> names = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int i = 0; i < TOPICS; i++) {
      TopicConfig tc = new TopicConfig(prefix + "_" + i, 2 + i % 3, 2 + i % 3, 6);
      call(admin, "createAndUpdateTopicConfig", brokerAddr, tc);
      names.add(tc.getTopicName());
    }
    double createS = (System.nanoTime() - t0) / 1e9;
    System.out.printf("compat: %d createAndUpdateTopicConfig calls in %.2f s (%.0f/s)%n", TOPICS, createS, TOPICS / createS);

    long t1 = System.nanoTime();
    for (int i = 0; i < TOPICS; i++) {
      Object route = call(admin, "examineTopicRouteInfo", names.get(i));
      List<?> qds = (List<?>) call(route, "getQueueDatas");
      assertEquals(1, qds.size(), "queue datas of " + names.get(i));
      Object qd = qds.get(0);
      assertEquals(MqAdminTest.BROKER, call(qd, "getBrokerName"), names.get(i));
      assertEquals(2 + i % 3, call(qd, "getReadQueueNums"), "readQueueNums of " + names.get(i));
      assertEquals(2 + i % 3, call(qd, "getWriteQueueNums"), "writeQueueNums of " + names.get(i));
      assertEquals(6, call(qd, "getPerm"), "perm of " + names.get(i));
    }
    System.out.printf("compat: %d routes checked in %.2f s%n", TOPICS, (System.nanoTime() - t1) / 1e9);

    Object list = call(admin, "fetchAllTopicList");
    Collection<?> all = (Collection<?>) call(list, "getTopicList");
    int listed = 0;
    for (String n : names) if (all.contains(n)) listed++;
    assertEquals(TOPICS, listed, "created topics in GET_ALL_TOPIC_LIST_FROM_NAMESERVER");
    assertTrue(all.size() >= TOPICS);
  }
}

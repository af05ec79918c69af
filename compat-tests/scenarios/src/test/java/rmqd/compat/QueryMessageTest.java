package rmqd.compat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import org.apache.rocketmq.client.QueryResult;
import org.apache.rocketmq.client.exception.MQBrokerException;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.message.MessageExt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Messages found by key through the broker's IndexFile (QUERY_MESSAGE, 12) and read by offset
 * msg id (VIEW_MESSAGE_BY_ID, 33): the client admin API on MQAdmin (both client versions) and the
 * mqadmin commands queryMsgByKey, queryMsgById, queryMsgByUniqueKey and printMsg (4.9 module).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class QueryMessageTest {
  static final int N = 6;
  static String topic;
  static String run;
  static DefaultMQProducer producer;
  static final List<Compat.Sent> sent = new ArrayList<>();
  static long sentAt;

  @BeforeAll
  static void sendMessagesWithKeys() throws Exception {
    topic = Compat.unique("query");
    run = topic;
    producer = Compat.producer(Compat.unique("qpg"));
    Compat.createTopic(producer, topic, 2);
    sentAt = System.currentTimeMillis();
    for (int i = 0; i < N; i++) {
      // Keys: "key-<i> k2-<run>" (see Compat.message): one per message and one shared by all.
      sent.add(new Compat.Sent(producer.send(Compat.message(topic, run, i))));
    }
  }

  @AfterAll
  static void stop() {
    if (producer != null) {
      producer.shutdown();
    }
  }

  static long begin() {
    return sentAt - 3_600_000L;
  }

  static long end() {
    return System.currentTimeMillis() + 3_600_000L;
  }

  /** The index is built as the broker dispatches; allow a moment before the first query. */
  static QueryResult queryUntilFound(String key, int maxNum, int expect) throws Exception {
    long deadline = System.currentTimeMillis() + 10_000;
    while (true) {
      try {
        QueryResult r = producer.queryMessage(topic, key, maxNum, begin(), end());
        if (r.getMessageList().size() >= expect || System.currentTimeMillis() > deadline) {
          return r;
        }
      } catch (MQClientException e) {
        if (System.currentTimeMillis() > deadline) {
          throw e;
        }
      }
      Thread.sleep(200);
    }
  }

  @Test
  @Order(1)
  void queryByKeyFindsExactlyThatMessage() throws Exception {
    for (int i = 0; i < N; i++) {
      QueryResult r = queryUntilFound("key-" + i, 32, 1);
      assertEquals(1, r.getMessageList().size(), "messages for key-" + i + ": " + r.getMessageList());
      MessageExt m = r.getMessageList().get(0);
      Compat.assertSameContent(topic, run, m);
      assertEquals(i, Compat.seqOf(m));
      Compat.assertMatchesSend(sent.get(i), m);
      assertTrue(r.getIndexLastUpdateTimestamp() > 0, "indexLastUpdateTimestamp");
    }
  }

  @Test
  @Order(2)
  void queryBySharedKeyFindsAll() throws Exception {
    QueryResult r = queryUntilFound("k2-" + run, 64, N);
    Set<Integer> seqs = new HashSet<>();
    for (MessageExt m : r.getMessageList()) {
      Compat.assertSameContent(topic, run, m);
      seqs.add(Compat.seqOf(m));
    }
    assertEquals(N, seqs.size(), "distinct messages for the shared key: " + seqs);
    assertEquals(N, r.getMessageList().size());
  }

  @Test
  @Order(3)
  void queryMaxNumLimitsTheAnswer() throws Exception {
    QueryResult r = queryUntilFound("k2-" + run, 2, 2);
    assertEquals(2, r.getMessageList().size());
  }

  @Test
  @Order(4)
  void queryUnknownKeyFindsNothing() {
    MQClientException e = assertThrows(MQClientException.class,
        () -> producer.queryMessage(topic, "no-such-key-" + run, 32, begin(), end()));
    assertTrue(String.valueOf(e.getMessage()).contains("no message"), e.getMessage());
  }

  @Test
  @Order(5)
  void viewByUniqueKey() throws Exception {
    for (int i = 0; i < N; i++) {
      MessageExt m = producer.viewMessage(topic, sent.get(i).msgId);
      assertNotNull(m, "message for msgId " + sent.get(i).msgId);
      Compat.assertSameContent(topic, run, m);
      assertEquals(i, Compat.seqOf(m));
      assertEquals(sent.get(i).msgId, m.getMsgId());
    }
  }

  /** 4.9: MQAdmin.viewMessage(offsetMsgId); 5.x dropped it, viewMessage(topic, id) decodes the id first. */
  static boolean hasViewByOffsetId() {
    try {
      producer.getClass().getMethod("viewMessage", String.class);
      return true;
    } catch (NoSuchMethodException e) {
      return false;
    }
  }

  static MessageExt viewByOffsetId(String id) throws Exception {
    if (!hasViewByOffsetId()) {
      return producer.viewMessage(topic, id);
    }
    try {
      return (MessageExt) producer.getClass().getMethod("viewMessage", String.class).invoke(producer, id);
    } catch (java.lang.reflect.InvocationTargetException e) {
      throw (Exception) e.getCause();
    }
  }

  @Test
  @Order(6)
  void viewByOffsetMsgId() throws Exception {
    for (int i = 0; i < N; i++) {
      MessageExt m = viewByOffsetId(sent.get(i).offsetMsgId);
      Compat.assertSameContent(topic, run, m);
      Compat.assertMatchesSend(sent.get(i), m);
    }
  }

  @Test
  @Order(7)
  void viewByOffsetMsgIdPastTheEnd() {
    // 5.x falls back to a unique-key query on any failure, hiding the broker's answer.
    org.junit.jupiter.api.Assumptions.assumeTrue(hasViewByOffsetId(), "client has viewMessage(offsetMsgId)");
    // Same broker address, CommitLog offset far past the end.
    String id = sent.get(0).offsetMsgId;
    String bad = id.substring(0, id.length() - 16) + "00000000FFFFFFF0";
    MQBrokerException e = assertThrows(MQBrokerException.class, () -> viewByOffsetId(bad));
    assertEquals(1, e.getResponseCode(), "SYSTEM_ERROR");
    assertTrue(e.getErrorMessage().contains("can not find message by the offset, " + 0xFFFFFFF0L), e.getErrorMessage());
  }

  // ---- mqadmin (4.9 module only) ---------------------------------------------------------------

  @Test
  @Order(10)
  @Tag(Compat.TAG_ADMIN)
  void mqadminQueryMsgByKey() throws Exception {
    String out = MqAdminTest.mqadmin("queryMsgByKey", "-t", topic, "-k", "k2-" + run);
    // #Message ID  #QID  #Offset
    for (Compat.Sent s : sent) {
      MqAdminTest.assertMatches("^" + Pattern.quote(s.msgId) + "\\s+" + s.queueId + "\\s+" + s.queueOffset + "\\s*$", out);
    }
  }

  @Test
  @Order(11)
  @Tag(Compat.TAG_ADMIN)
  void mqadminQueryMsgById() throws Exception {
    Compat.Sent s = sent.get(3);
    String out = MqAdminTest.mqadmin("queryMsgById", "-i", s.offsetMsgId);
    assertDetails(out, 3, s);
  }

  @Test
  @Order(12)
  @Tag(Compat.TAG_ADMIN)
  void mqadminQueryMsgByUniqueKey() throws Exception {
    Compat.Sent s = sent.get(4);
    String out = MqAdminTest.mqadmin("queryMsgByUniqueKey", "-i", s.msgId, "-t", topic);
    assertDetails(out, 4, s);
  }

  @Test
  @Order(13)
  @Tag(Compat.TAG_ADMIN)
  void mqadminPrintMsg() throws Exception {
    String out = MqAdminTest.mqadmin("printMsg", "-t", topic, "-c", "UTF-8", "-d", "true");
    for (int i = 0; i < N; i++) {
      String body = new String(Compat.body(run, i), StandardCharsets.UTF_8);
      MqAdminTest.assertMatches("^MSGID: " + Pattern.quote(sent.get(i).msgId) + " .*BODY: " + Pattern.quote(body) + "$", out);
    }
  }

  /** queryMsgById / queryMsgByUniqueKey print one block of "Name: value" lines per message. */
  static void assertDetails(String out, int seq, Compat.Sent s) throws Exception {
    MqAdminTest.assertMatches("^Topic:\\s+" + Pattern.quote(topic) + "$", out);
    MqAdminTest.assertMatches("^Tags:\\s+\\[" + (seq % 2 == 0 ? "TagA" : "TagB") + "\\]$", out);
    MqAdminTest.assertMatches("^Keys:\\s+\\[" + Pattern.quote("key-" + seq + " k2-" + run) + "\\]$", out);
    MqAdminTest.assertMatches("^Queue ID:\\s+" + s.queueId + "$", out);
    MqAdminTest.assertMatches("^Queue Offset:\\s+" + s.queueOffset + "$", out);
    // The body is written to a file named in the output.
    java.util.regex.Matcher m = Pattern.compile("^Message Body Path:\\s+(\\S+)$", Pattern.MULTILINE).matcher(out);
    assertTrue(m.find(), "Message Body Path in:\n" + out);
    byte[] body = java.nio.file.Files.readAllBytes(java.nio.file.Paths.get(m.group(1)));
    assertArrayEquals(Compat.body(run, seq), body, "body file " + m.group(1));
  }
}

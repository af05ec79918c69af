package rmqd.compat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.rocketmq.client.QueryResult;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Compressed bodies. The producer compresses a single message's body of at least
 * compressMsgBodyOverHowmuch (4096) bytes with zlib and sets sysFlag 0x301 (bit 0 COMPRESSED, bits 8-10
 * the compression type, ZLIB = 3; 4.9.8 as well as 5.3.1 send the type); batches are never compressed. The broker
 * stores the bytes as sent and returns them untouched; the client decompresses on PULL_MESSAGE,
 * VIEW_MESSAGE_BY_ID and QUERY_MESSAGE alike, and MessageExt.getSysFlag() shows the stored flag.
 */
class CompressedBodyTest {
  static final int[] SIZES = {4095, 4096, 10_000, 200_000, 300_000};  // last: incompressible
  static final int RANDOM_SEQ = 4;
  static final int COMPRESS_OVER = 4096;

  static byte[] bigBody(String run, int seq, int size) {
    if (seq == RANDOM_SEQ) {
      byte[] b = new byte[size];
      new Random(seq).nextBytes(b);
      return b;
    }
    StringBuilder sb = new StringBuilder();
    while (sb.length() < size) {
      sb.append("压缩消息 ").append(run).append(" #").append(seq).append(" line ").append(sb.length()).append(" 🚀\n");
    }
    return java.util.Arrays.copyOf(sb.toString().getBytes(StandardCharsets.UTF_8), size);
  }

  /** COMPRESSED (0x1) and the compression type ZLIB (3 << 8): 4.9.8 and 5.3.1 alike (oracle fact). */
  static int expectedCompressedFlags() {
    return 0x301;
  }

  /** 4.9: MQAdmin.viewMessage(offsetMsgId); 5.x dropped it, viewMessage(topic, id) decodes the id first. */
  static MessageExt viewByOffsetId(DefaultMQProducer p, String topic, String id) throws Exception {
    try {
      return (MessageExt) p.getClass().getMethod("viewMessage", String.class).invoke(p, id);
    } catch (NoSuchMethodException e) {
      return p.viewMessage(topic, id);
    } catch (java.lang.reflect.InvocationTargetException e) {
      throw (Exception) e.getCause();
    }
  }

  static String keyOf(String run, int seq) {
    return "zkey-" + seq + "-" + run;
  }

  @Test
  void bigBodiesComeBackIntactEverywhere() throws Exception {
    String topic = Compat.unique("zip");
    String run = topic;
    Map<Integer, MessageExt> got = new ConcurrentHashMap<>();
    List<Compat.Sent> sent = new ArrayList<>();
    List<byte[]> bodies = new ArrayList<>();
    DefaultMQProducer p = Compat.producer(Compat.unique("pg"));
    DefaultMQPushConsumer c = null;
    try {
      Compat.createTopic(p, topic, 2);
      assertEquals(COMPRESS_OVER, p.getCompressMsgBodyOverHowmuch(), "client default");
      for (int i = 0; i < SIZES.length; i++) {
        byte[] body = bigBody(run, i, SIZES[i]);
        bodies.add(body);
        Message m = new Message(topic, "TagZ", keyOf(run, i), body.clone());
        m.putUserProperty("seq", Integer.toString(i));
        sent.add(new Compat.Sent(p.send(m)));
      }
      c = Compat.pushConsumer(Compat.unique("cg"), topic, (msgs, ctx) -> {
        for (MessageExt m : msgs) got.putIfAbsent(Compat.seqOf(m), m);
        return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
      });
      Compat.waitFor(SIZES.length + " messages (have " + got.size() + ")", 30_000, () -> got.size() >= SIZES.length);
      StringBuilder report = new StringBuilder();
      for (int i = 0; i < SIZES.length; i++) {
        MessageExt m = got.get(i);
        int flags = bodies.get(i).length >= COMPRESS_OVER ? expectedCompressedFlags() : 0;
        report.append(" seq").append(i).append(':').append(bodies.get(i).length).append("B sysFlag=0x")
            .append(Integer.toHexString(m.getSysFlag()));
        assertArrayEquals(bodies.get(i), m.getBody(), "consumed body of seq " + i);
        assertEquals(flags, m.getSysFlag() & 0x701, "compression flags of seq " + i);
        Compat.assertMatchesSend(sent.get(i), m);
        // The stored (compressed) size: what the broker keeps is smaller for compressible bodies.
        if (flags != 0 && i != RANDOM_SEQ) {
          assertTrue(m.getStoreSize() < bodies.get(i).length / 2, "stored size " + m.getStoreSize() + " of seq " + i);
        }
      }
      System.out.println("compat: compressed bodies (" + Compat.clientTag() + "):" + report);

      for (int i = 0; i < SIZES.length; i++) {
        int flags = bodies.get(i).length >= COMPRESS_OVER ? expectedCompressedFlags() : 0;
        // VIEW_MESSAGE_BY_ID (4.9: by offsetMsgId; 5.x: viewMessage(topic, id) decodes the id first).
        MessageExt v = viewByOffsetId(p, topic, sent.get(i).offsetMsgId);
        assertNotNull(v, "view of seq " + i);
        assertArrayEquals(bodies.get(i), v.getBody(), "viewed body of seq " + i);
        assertEquals(flags, v.getSysFlag() & 0x701, "viewed compression flags of seq " + i);
        // QUERY_MESSAGE by key (IndexFile), retried while the index catches up.
        QueryResult q = null;
        long deadline = System.currentTimeMillis() + 10_000;
        while (q == null || q.getMessageList().isEmpty()) {
          try {
            q = p.queryMessage(topic, keyOf(run, i), 32, System.currentTimeMillis() - 3_600_000L,
                System.currentTimeMillis() + 3_600_000L);
          } catch (Exception e) {
            if (System.currentTimeMillis() > deadline) throw e;
            Thread.sleep(200);
          }
        }
        assertEquals(1, q.getMessageList().size(), "messages for " + keyOf(run, i));
        assertArrayEquals(bodies.get(i), q.getMessageList().get(0).getBody(), "queried body of seq " + i);
        assertEquals(flags, q.getMessageList().get(0).getSysFlag() & 0x701, "queried compression flags of seq " + i);
      }
    } finally {
      if (c != null) c.shutdown();
      p.shutdown();
    }
  }

  @Test
  void batchOfBigBodiesIsNotCompressed() throws Exception {
    String topic = Compat.unique("zipb");
    String run = topic;
    Map<Integer, MessageExt> got = new ConcurrentHashMap<>();
    List<byte[]> bodies = new ArrayList<>();
    DefaultMQProducer p = Compat.producer(Compat.unique("pg"));
    DefaultMQPushConsumer c = null;
    try {
      Compat.createTopic(p, topic, 1);
      List<Message> batch = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        byte[] body = bigBody(run, i, 20_000);
        bodies.add(body);
        Message m = new Message(topic, "TagZ", keyOf(run, i), body.clone());
        m.putUserProperty("seq", Integer.toString(i));
        batch.add(m);
      }
      p.send(batch, new MessageQueue(topic, "broker-a", 0));
      c = Compat.pushConsumer(Compat.unique("cg"), topic, (msgs, ctx) -> {
        for (MessageExt m : msgs) got.putIfAbsent(Compat.seqOf(m), m);
        return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
      });
      Compat.waitFor("3 batched messages (have " + got.size() + ")", 30_000, () -> got.size() >= 3);
      for (int i = 0; i < 3; i++) {
        MessageExt m = got.get(i);
        assertArrayEquals(bodies.get(i), m.getBody(), "consumed body of batched seq " + i);
        assertEquals(0, m.getSysFlag() & 0x701, "compression flags of batched seq " + i);
        assertEquals(i, m.getQueueOffset(), "queue offset of batched seq " + i);
      }
    } finally {
      if (c != null) c.shutdown();
      p.shutdown();
    }
  }
}

package rmqd.compat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.rocketmq.client.consumer.DefaultMQPullConsumer;
import org.apache.rocketmq.client.consumer.PullResult;
import org.apache.rocketmq.client.consumer.PullStatus;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;
import org.apache.rocketmq.remoting.netty.NettyClientConfig;
import org.apache.rocketmq.remoting.netty.NettyRemotingClient;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The CommitLog record a broker stores for the same 4.9.8-client sends is byte for byte the
 * Java 4.9.7 broker's, except the fields that depend on time, hosts and position (queue and
 * CommitLog offsets, born/store timestamps and hosts) and the client-made UNIQ_KEY and the
 * offset-based ORIGIN_MESSAGE_ID values (masked to 'X', same length). Four records: a plain send
 * with tags, keys and user properties; the first member of a batch; a delayed message (level 1)
 * as re-delivered to its topic; a send-back retry (level 1) as re-delivered to %RETRY%group.
 * Raw records come from a PULL_MESSAGE over the official remoting client (its body is the stored
 * bytes). The golden records were captured from the 4.9.7 broker
 * (COMPAT_CAPTURE_GOLDEN=1 with --java writes compat-tests/scenarios/testdata/stored_bytes_java_4.9.7.txt).
 * Also: the SEND_MESSAGE response's TRACE_ON is "true" (Java's traceOn default).
 */
class StoredBytesTest {
  static final String TOPIC = "StoredBytesTopic";
  static final String GROUP = "StoredBytesGroup";
  static final String RETRY_TOPIC = "%RETRY%" + GROUP;
  static final String GOLDEN = "stored_bytes_java_4.9.7.txt";

  @Test
  void storedRecordsMatchJava497() throws Exception {
    Assumptions.assumeTrue(Compat.clientVersion().startsWith("4"), "the golden records are the 4.9.8 client's");
    Compat.banner();
    DefaultMQProducer p = Compat.producer(Compat.unique("pg"));
    NettyRemotingClient raw = new NettyRemotingClient(new NettyClientConfig());
    raw.start();
    DefaultMQPullConsumer pull = new DefaultMQPullConsumer(GROUP);
    pull.setNamesrvAddr(Compat.namesrv());
    pull.start();
    try {
      // Create the topic (the first send may land on any queue), then measure queue 0.
      SendResult warm = p.send(new Message(TOPIC, "warm".getBytes(StandardCharsets.UTF_8)));
      assertEquals(SendStatus.SEND_OK, warm.getSendStatus());
      String broker = warm.getMessageQueue().getBrokerName();
      String addr = p.getDefaultMQProducerImpl().getmQClientFactory().findBrokerAddressInPublish(broker);
      assertNotNull(addr);
      MessageQueue q0 = new MessageQueue(TOPIC, broker, 0);
      long base = maxOffset(raw, addr, TOPIC);
      long retryBase = maxOffset(raw, addr, RETRY_TOPIC);

      Message plain = new Message(TOPIC, "TagA", "key1 key2", "stored-bytes plain".getBytes(StandardCharsets.UTF_8));
      plain.putUserProperty("color", "red");
      plain.putUserProperty("size", "10");
      assertEquals(SendStatus.SEND_OK, p.send(plain, q0).getSendStatus());

      List<Message> batch = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        Message m = new Message(TOPIC, "TagB", "bkey" + i, ("stored-bytes batch " + i).getBytes(StandardCharsets.UTF_8));
        m.putUserProperty("idx", Integer.toString(i));
        batch.add(m);
      }
      assertEquals(SendStatus.SEND_OK, p.send(batch, q0).getSendStatus());

      Message retried = new Message(TOPIC, "TagR", "rkey", "stored-bytes retry".getBytes(StandardCharsets.UTF_8));
      assertEquals(SendStatus.SEND_OK, p.send(retried, q0).getSendStatus());

      Message delayed = new Message(TOPIC, "TagD", "dkey", "stored-bytes delayed".getBytes(StandardCharsets.UTF_8));
      delayed.setDelayTimeLevel(1);
      assertEquals(SendStatus.SEND_OK, p.send(delayed, q0).getSendStatus());

      // Queue 0 now holds plain, batch 0, batch 1, retried; the delayed one arrives ~1 s later.
      List<byte[]> records = pullRaw(raw, addr, TOPIC, base, 5, 30_000);
      // The retry: the official pull consumer sends the retried message back with level 1.
      PullResult pr = pull.pull(q0, "*", base + 3, 1);
      assertEquals(PullStatus.FOUND, pr.getPullStatus());
      MessageExt toRetry = pr.getMsgFoundList().get(0);
      assertEquals("rkey", toRetry.getKeys());
      pull.sendMessageBack(toRetry, 1, broker);
      List<byte[]> retries = pullRaw(raw, addr, RETRY_TOPIC, retryBase, 1, 30_000);

      Map<String, byte[]> got = new LinkedHashMap<>();
      got.put("plain", records.get(0));
      got.put("batch0", records.get(1));
      got.put("delayed", records.get(4));
      got.put("retry", retries.get(0));

      Path golden = goldenPath();
      if ("1".equals(System.getenv("COMPAT_CAPTURE_GOLDEN"))) {
        assertEquals("java", System.getProperty("rmq.target"), "golden records are captured from the Java broker only");
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, byte[]> e : got.entrySet()) {
          sb.append(e.getKey()).append('\t').append(hex(normalize(e.getValue()))).append('\n');
        }
        Files.write(golden, sb.toString().getBytes(StandardCharsets.US_ASCII));
        System.out.println("compat: stored bytes golden written to " + golden);
      }
      Map<String, String> want = readGolden(golden);
      List<String> diffs = new ArrayList<>();
      for (Map.Entry<String, byte[]> e : got.entrySet()) {
        String w = want.get(e.getKey());
        assertNotNull(w, "golden record " + e.getKey());
        String g = hex(normalize(e.getValue()));
        if (!g.equals(w)) diffs.add(describe(e.getKey(), unhex(w), normalize(e.getValue())));
      }
      if (!diffs.isEmpty()) fail("stored records differ from Java 4.9.7's:\n" + String.join("\n", diffs));
      System.out.println("compat: stored bytes identical to Java 4.9.7 for " + got.keySet());

    } finally {
      pull.shutdown();
      raw.shutdown();
      p.shutdown();
    }
  }

  /** TRACE_ON on a raw SEND_MESSAGE (code 10) response: Java's traceOn, default true. */
  @Test
  void sendResponseTraceOnFollowsTraceOn() throws Exception {
    Compat.banner();
    String addr = UnknownRequestCodeTest.masterBrokerAddr();
    NettyRemotingClient raw = new NettyRemotingClient(new NettyClientConfig());
    raw.start();
    try {
      RemotingCommand send = RemotingCommand.createRequestCommand(10, null);
      send.addExtField("producerGroup", "StoredBytesPG");
      send.addExtField("topic", "StoredBytesTrace");
      send.addExtField("defaultTopic", "TBW102");
      send.addExtField("defaultTopicQueueNums", "4");
      send.addExtField("queueId", "0");
      send.addExtField("sysFlag", "0");
      send.addExtField("bornTimestamp", Long.toString(System.currentTimeMillis()));
      send.addExtField("flag", "0");
      send.addExtField("properties", "");
      send.addExtField("reconsumeTimes", "0");
      send.addExtField("unitMode", "false");
      send.addExtField("batch", "false");
      send.setBody("trace-on probe".getBytes(StandardCharsets.UTF_8));
      RemotingCommand resp = raw.invokeSync(addr, send, 5000);
      assertEquals(0, resp.getCode(), "raw send: " + resp.getRemark());
      assertEquals("true", resp.getExtFields().get("TRACE_ON"), "TRACE_ON follows traceOn (default true)");
    } finally {
      raw.shutdown();
    }
  }

  static Path goldenPath() {
    for (String dir : new String[] {"../scenarios/testdata", "scenarios/testdata", "compat-tests/scenarios/testdata"}) {
      Path d = Paths.get(dir);
      if (Files.isDirectory(d)) return d.resolve(GOLDEN);
    }
    throw new IllegalStateException("compat-tests/scenarios/testdata not found from " + Paths.get("").toAbsolutePath());
  }

  static Map<String, String> readGolden(Path p) throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    for (String line : Files.readAllLines(p, StandardCharsets.US_ASCII)) {
      int tab = line.indexOf('\t');
      if (tab > 0) out.put(line.substring(0, tab), line.substring(tab + 1).trim());
    }
    return out;
  }

  static long maxOffset(NettyRemotingClient raw, String addr, String topic) throws Exception {
    RemotingCommand req = RemotingCommand.createRequestCommand(30, null);  // GET_MAX_OFFSET
    req.addExtField("topic", topic);
    req.addExtField("queueId", "0");
    RemotingCommand resp = raw.invokeSync(addr, req, 5000);
    if (resp.getCode() != 0 || resp.getExtFields() == null || resp.getExtFields().get("offset") == null) return 0;
    return Long.parseLong(resp.getExtFields().get("offset"));
  }

  /** Raw PULL_MESSAGE (11) from `offset` until `n` records arrived; each element one record's bytes. */
  static List<byte[]> pullRaw(NettyRemotingClient raw, String addr, String topic, long offset, int n, long timeoutMs)
      throws Exception {
    List<byte[]> out = new ArrayList<>();
    long deadline = System.currentTimeMillis() + timeoutMs;
    String last = "";
    while (out.size() < n) {
      if (System.currentTimeMillis() > deadline) fail("only " + out.size() + " of " + n + " records in " + topic + last);
      RemotingCommand req = RemotingCommand.createRequestCommand(11, null);
      req.addExtField("consumerGroup", "StoredBytesRaw");
      req.addExtField("topic", topic);
      req.addExtField("queueId", "0");
      req.addExtField("queueOffset", Long.toString(offset + out.size()));
      req.addExtField("maxMsgNums", Integer.toString(n - out.size()));
      req.addExtField("sysFlag", "4");  // FLAG_SUBSCRIPTION: the subscription comes with the request
      req.addExtField("commitOffset", "0");
      req.addExtField("suspendTimeoutMillis", "0");
      req.addExtField("subscription", "*");
      req.addExtField("subVersion", "0");
      req.addExtField("expressionType", "TAG");
      RemotingCommand resp = raw.invokeSync(addr, req, 5000);
      if (resp.getCode() == 0 && resp.getBody() != null) {
        ByteBuffer b = ByteBuffer.wrap(resp.getBody());
        while (b.remaining() >= 4) {
          int size = b.getInt(b.position());
          assertTrue(size > 0 && size <= b.remaining(), "record size " + size);
          byte[] rec = new byte[size];
          b.get(rec);
          out.add(rec);
        }
      } else {
        last = " (last answer: code " + resp.getCode() + " " + resp.getRemark() + ")";
        Compat.sleep(200);
      }
    }
    return out;
  }

  /** Zeroes offsets, times and hosts; masks the UNIQ_KEY and ORIGIN_MESSAGE_ID values. IPv4 hosts only. */
  static byte[] normalize(byte[] rec) {
    byte[] r = rec.clone();
    ByteBuffer b = ByteBuffer.wrap(r);
    int sysFlag = b.getInt(36);
    assertEquals(0, sysFlag & 0x30, "IPv4 born/store hosts expected");
    java.util.Arrays.fill(r, 20, 36, (byte) 0);   // queueOffset, physicalOffset
    java.util.Arrays.fill(r, 40, 72, (byte) 0);   // bornTimestamp, bornHost, storeTimestamp, storeHost
    int bodyLen = b.getInt(84);
    int topicLenPos = 88 + bodyLen;
    int topicLen = r[topicLenPos] & 0xFF;
    int propLenPos = topicLenPos + 1 + topicLen;
    int propLen = b.getShort(propLenPos) & 0xFFFF;
    int start = propLenPos + 2;
    maskValue(r, start, start + propLen, "UNIQ_KEY");
    maskValue(r, start, start + propLen, "ORIGIN_MESSAGE_ID");
    return r;
  }

  static void maskValue(byte[] r, int from, int to, String name) {
    int pos = from;
    while (pos < to) {
      int end = pos;
      while (end < to && r[end] != 2) end++;
      int sep = pos;
      while (sep < end && r[sep] != 1) sep++;
      if (sep < end && new String(r, pos, sep - pos, StandardCharsets.UTF_8).equals(name)) {
        for (int i = sep + 1; i < end; i++) r[i] = 'X';
      }
      pos = end + 1;
    }
  }

  static String describe(String label, byte[] want, byte[] got) {
    StringBuilder sb = new StringBuilder(label + ": java " + want.length + " bytes, here " + got.length + " bytes");
    sb.append("\n  java properties: ").append(properties(want)).append("\n  here properties: ").append(properties(got));
    int n = Math.min(want.length, got.length);
    for (int i = 0; i < n; i++) {
      if (want[i] != got[i]) {
        sb.append("\n  first difference at byte ").append(i);
        break;
      }
    }
    return sb.toString();
  }

  static String properties(byte[] r) {
    ByteBuffer b = ByteBuffer.wrap(r);
    if (r.length < 88) return "?";
    int bodyLen = b.getInt(84);
    int topicLenPos = 88 + bodyLen;
    if (topicLenPos >= r.length) return "?";
    int topicLen = r[topicLenPos] & 0xFF;
    int propLenPos = topicLenPos + 1 + topicLen;
    if (propLenPos + 2 > r.length) return "?";
    int propLen = b.getShort(propLenPos) & 0xFFFF;
    String s = new String(r, propLenPos + 2, Math.min(propLen, r.length - propLenPos - 2), StandardCharsets.UTF_8);
    return s.replace('\u0001', '=').replace('\u0002', '|');
  }

  static String hex(byte[] b) {
    StringBuilder sb = new StringBuilder(b.length * 2);
    for (byte x : b) sb.append(String.format("%02x", x & 0xFF));
    return sb.toString();
  }

  static byte[] unhex(String s) {
    byte[] out = new byte[s.length() / 2];
    for (int i = 0; i < out.length; i++) out[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
    return out;
  }
}

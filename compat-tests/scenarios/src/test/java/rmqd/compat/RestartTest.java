package rmqd.compat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.message.MessageExt;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * "Survives a restart", in two JVM runs around a server restart done by run.sh:
 * -Drmq.phase=before: send 200, consume them with group G (offsets committed), send 100 more;
 * -Drmq.phase=after:  G resumes with exactly the 100 unconsumed ones, a new group reads all 300
 *                     intact (same msgIds, queue offsets), and new sends continue the queue offsets.
 * State passes between the runs in target/restart-state-&lt;tag&gt;.txt.
 */
@Tag(Compat.TAG_RESTART)
class RestartTest {
  static final int CONSUMED = 200;
  static final int PENDING = 100;
  static final int TOTAL = CONSUMED + PENDING;

  static String topic() {
    return "restart_" + Compat.clientTag();
  }

  static String group() {
    return "restart_cg_" + Compat.clientTag();
  }

  static Path stateFile() {
    return Paths.get("target", "restart-state-" + Compat.clientTag() + ".txt");
  }

  @Test
  void restartScenario() throws Exception {
    String phase = System.getProperty("rmq.phase", "before");
    System.out.println("compat: restart phase " + phase);
    if (phase.equals("before")) {
      before();
    } else {
      after();
    }
  }

  void before() throws Exception {
    String topic = topic();
    List<String> lines = new ArrayList<>();
    DefaultMQProducer p = Compat.producer(Compat.unique("pg"));
    try {
      Compat.createTopic(p, topic, 4);
      for (int i = 0; i < CONSUMED; i++) {
        lines.add(new Compat.Sent(p.send(Compat.message(topic, topic, i))).toLine(i));
      }
      Compat.Collector c = new Compat.Collector();
      DefaultMQPushConsumer consumer = Compat.pushConsumer(group(), topic, c);
      try {
        c.awaitUnique(CONSUMED, 60_000);
        Compat.sleep(300);
      } finally {
        consumer.shutdown();
      }
      for (int i = CONSUMED; i < TOTAL; i++) {
        lines.add(new Compat.Sent(p.send(Compat.message(topic, topic, i))).toLine(i));
      }
    } finally {
      p.shutdown();
    }
    Files.createDirectories(stateFile().getParent());
    Files.write(stateFile(), lines, StandardCharsets.UTF_8);
  }

  void after() throws Exception {
    String topic = topic();
    Map<Integer, Compat.Sent> sent = new HashMap<>();
    for (String line : Files.readAllLines(stateFile(), StandardCharsets.UTF_8)) {
      sent.put(Integer.parseInt(line.split(",")[0]), new Compat.Sent(line));
    }
    assertEquals(TOTAL, sent.size(), "state from phase before");

    // 1. The committed offsets survived: group G resumes with exactly the pending messages.
    Compat.Collector resumed = new Compat.Collector();
    DefaultMQPushConsumer g = Compat.pushConsumer(group(), topic, resumed);
    try {
      resumed.awaitUnique(PENDING, 60_000);
      Compat.sleep(1500);
    } finally {
      g.shutdown();
    }
    for (MessageExt m : resumed.all) {
      assertTrue(Compat.seqOf(m) >= CONSUMED, "already consumed before restart: seq " + Compat.seqOf(m));
      Compat.assertSameContent(topic, topic, m);
      Compat.assertMatchesSend(sent.get(Compat.seqOf(m)), m);
    }
    assertEquals(PENDING, resumed.all.size(), "deliveries to the resumed group");

    // 2. Every message is still stored and readable, unchanged.
    Compat.Collector all = new Compat.Collector();
    DefaultMQPushConsumer fresh = Compat.pushConsumer(Compat.unique("cg"), topic, all);
    try {
      all.awaitUnique(TOTAL, 60_000);
    } finally {
      fresh.shutdown();
    }
    for (MessageExt m : all.bySeq.values()) {
      Compat.assertSameContent(topic, topic, m);
      Compat.assertMatchesSend(sent.get(Compat.seqOf(m)), m);
    }

    // 3. The write path continues the queue offsets after recovery.
    Map<Integer, Long> maxOffset = new HashMap<>();
    for (Compat.Sent s : sent.values()) {
      maxOffset.merge(s.queueId, s.queueOffset, Math::max);
    }
    DefaultMQProducer p = Compat.producer(Compat.unique("pg"));
    try {
      for (int i = TOTAL; i < TOTAL + 8; i++) {
        SendResult r = p.send(Compat.message(topic, topic, i));
        int q = r.getMessageQueue().getQueueId();
        Long prev = maxOffset.get(q);
        assertNotNull(prev, "queue " + q + " existed before restart");
        assertEquals(prev + 1, r.getQueueOffset(), "offset after restart on queue " + q);
        maxOffset.put(q, r.getQueueOffset());
      }
    } finally {
      p.shutdown();
    }
  }
}

package rmqd.compat;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.BitSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.rocketmq.client.consumer.DefaultMQPullConsumer;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.PullResult;
import org.apache.rocketmq.client.consumer.PullStatus;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;

/**
 * Not a test: the client side of tools/crash_test.sh (run with the 4.9 module's test classpath).
 *
 *   run    namesrv topic okFile stopFile errFile liveGroup|-
 *          Sync-sends messages with sequence numbers until stopFile exists, appending each sequence
 *          whose send returned SEND_OK to okFile (fsync'd). With a liveGroup, also consumes the
 *          topic with a push consumer and appends every delivered message that does not match
 *          its sequence to errFile.
 *   verify namesrv topic okFile group
 *          Pulls every queue of the topic from its min offset with a fresh group and checks that
 *          every delivered message matches its sequence and that every okFile sequence is there.
 *          Prints "crash-verify: ..." and exits 1 on any problem.
 */
public final class CrashDriver {
  private static final int PRODUCER_THREADS = 2;

  private CrashDriver() {}

  /** Deterministic body for a sequence: a header, then 60..1059 filler bytes derived from seq. */
  static byte[] body(long seq) {
    byte[] head = ("seq=" + seq + ";").getBytes(StandardCharsets.US_ASCII);
    int n = 60 + (int) (seq * 7919 % 1000);
    byte[] b = new byte[head.length + n];
    System.arraycopy(head, 0, b, 0, head.length);
    long x = seq * 0x9E3779B97F4A7C15L + 1;
    for (int i = 0; i < n; i++) {
      x ^= x << 13;
      x ^= x >>> 7;
      x ^= x << 17;
      b[head.length + i] = (byte) ('a' + (int) ((x >>> 33) % 26));
    }
    return b;
  }

  /** The sequence a message claims (from its key), or -1; the body must match it exactly. */
  static long check(MessageExt m) {
    String keys = m.getKeys();
    if (keys == null || !keys.startsWith("k")) return -1;
    long seq;
    try {
      seq = Long.parseLong(keys.substring(1));
    } catch (NumberFormatException e) {
      return -1;
    }
    if (!java.util.Arrays.equals(body(seq), m.getBody())) return -1;
    if (!String.valueOf(seq).equals(m.getUserProperty("seq"))) return -1;
    return seq;
  }

  public static void main(String[] args) throws Exception {
    System.setProperty("rocketmq.client.logLevel", "ERROR");
    if (args.length >= 6 && args[0].equals("run")) {
      run(args[1], args[2], Paths.get(args[3]), Paths.get(args[4]), Paths.get(args[5]),
          args.length > 6 ? args[6] : "-");
    } else if (args.length >= 5 && args[0].equals("verify")) {
      System.exit(verify(args[1], args[2], Paths.get(args[3]), args[4]) ? 0 : 1);
    } else {
      System.err.println("usage: CrashDriver run|verify ...");
      System.exit(2);
    }
  }

  private static synchronized void appendLine(FileOutputStream out, String line) throws IOException {
    out.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
    out.getFD().sync();
  }

  static void run(String namesrv, String topic, Path okFile, Path stopFile, Path errFile, String liveGroup)
      throws Exception {
    FileOutputStream ok = new FileOutputStream(okFile.toFile(), true);
    FileOutputStream err = new FileOutputStream(errFile.toFile(), true);
    DefaultMQPushConsumer live = null;
    if (!liveGroup.equals("-")) {
      live = new DefaultMQPushConsumer(liveGroup);
      live.setNamesrvAddr(namesrv);
      live.setInstanceName("crash_live");
      live.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
      live.setPersistConsumerOffsetInterval(1000);
      live.subscribe(topic, "*");
      live.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
        for (MessageExt m : msgs) {
          if (check(m) < 0) {
            try {
              appendLine(err, "corrupt delivery: queue " + m.getQueueId() + " offset " + m.getQueueOffset()
                  + " keys " + m.getKeys() + " body length " + (m.getBody() == null ? -1 : m.getBody().length));
            } catch (IOException e) {
              throw new RuntimeException(e);
            }
          }
        }
        return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
      });
    }
    DefaultMQProducer p = new DefaultMQProducer("crash_pg");
    p.setNamesrvAddr(namesrv);
    p.setInstanceName("crash_producer");
    p.setSendMsgTimeout(2000);
    p.setRetryTimesWhenSendFailed(0);
    p.start();
    boolean liveStarted = false;
    AtomicLong seqs = new AtomicLong();
    AtomicLong sent = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    Thread[] threads = new Thread[PRODUCER_THREADS];
    for (int t = 0; t < threads.length; t++) {
      threads[t] = new Thread(() -> {
        while (!Files.exists(stopFile)) {
          long seq = seqs.getAndIncrement();
          Message m = new Message(topic, "T" + (seq % 3), "k" + seq, body(seq));
          m.putUserProperty("seq", String.valueOf(seq));
          try {
            SendResult r = p.send(m);
            if (r.getSendStatus() == SendStatus.SEND_OK) {
              appendLine(ok, String.valueOf(seq));
              sent.incrementAndGet();
            } else {
              failed.incrementAndGet();
            }
          } catch (Exception e) {
            failed.incrementAndGet();
            try {
              Thread.sleep(50);
            } catch (InterruptedException ie) {
              return;
            }
          }
        }
      });
      threads[t].start();
    }
    while (!Files.exists(stopFile)) {
      Thread.sleep(200);
      if (live != null && !liveStarted && sent.get() > 0) {
        live.start();  // once the topic exists, so the first rebalance finds it
        liveStarted = true;
      }
    }
    for (Thread t : threads) t.join();
    if (liveStarted) live.shutdown();
    p.shutdown();
    System.out.println("crash-run: SEND_OK " + sent.get() + ", failed or timed out " + failed.get());
    System.exit(0);
  }

  @SuppressWarnings("deprecation")
  static boolean verify(String namesrv, String topic, Path okFile, String group) throws Exception {
    BitSet expected = new BitSet();
    int expectedCount = 0;
    for (String line : Files.readAllLines(okFile, StandardCharsets.US_ASCII)) {
      line = line.trim();
      if (line.isEmpty()) continue;
      int seq = Integer.parseInt(line);
      if (!expected.get(seq)) expectedCount++;
      expected.set(seq);
    }
    DefaultMQPullConsumer c = new DefaultMQPullConsumer(group);
    c.setNamesrvAddr(namesrv);
    c.setInstanceName("crash_verify");
    c.start();
    BitSet seen = new BitSet();
    long delivered = 0;
    long corrupt = 0;
    try {
      Set<MessageQueue> mqs = c.fetchSubscribeMessageQueues(topic);
      for (MessageQueue mq : mqs) {
        long offset = c.minOffset(mq);
        long max = c.maxOffset(mq);
        while (offset < max) {
          PullResult r = c.pull(mq, "*", offset, 32);
          if (r.getPullStatus() != PullStatus.FOUND) {
            System.out.println("crash-verify: " + mq + " pull at " + offset + " (max " + max + "): "
                + r.getPullStatus());
            if (r.getNextBeginOffset() <= offset) break;
            offset = r.getNextBeginOffset();
            continue;
          }
          List<MessageExt> found = r.getMsgFoundList();
          for (MessageExt m : found) {
            delivered++;
            long seq = check(m);
            if (seq < 0) {
              corrupt++;
              if (corrupt <= 10) {
                System.out.println("crash-verify: corrupt message at " + mq + " offset " + m.getQueueOffset()
                    + " keys " + m.getKeys());
              }
            } else if (seq <= Integer.MAX_VALUE) {
              seen.set((int) seq);
            }
          }
          offset = r.getNextBeginOffset();
        }
      }
    } finally {
      c.shutdown();
    }
    BitSet missing = (BitSet) expected.clone();
    missing.andNot(seen);
    int missingCount = missing.cardinality();
    StringBuilder sample = new StringBuilder();
    for (int i = missing.nextSetBit(0), k = 0; i >= 0 && k < 10; i = missing.nextSetBit(i + 1), k++) {
      sample.append(' ').append(i);
    }
    System.out.println("crash-verify: SEND_OK " + expectedCount + ", delivered " + delivered + ", missing "
        + missingCount + (missingCount > 0 ? " (e.g." + sample + ")" : "") + ", corrupt " + corrupt);
    return missingCount == 0 && corrupt == 0 && expectedCount > 0;
  }
}

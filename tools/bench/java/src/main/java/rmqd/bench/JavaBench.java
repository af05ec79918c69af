package rmqd.bench;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;

/**
 * The official-client side of `make bench`, mirroring org.apache.rocketmq.example.benchmark.Producer
 * (N threads doing synchronous sends of a fixed-size body) and Consumer (a push consumer recording
 * born->consume and store->consume latency), with the options of tools/loadgen and the same JSON
 * summary shape so run_bench.py can put both clients side by side.
 *
 *   JavaBench --namesrv H:P --mode produce|consume|both [--topic T] [--size B] [--threads N]
 *             [--rate R|max] [--duration S] [--count N] [--from earliest|latest] [--group G]
 *
 * Bodies start with "RMQB" + send time in microseconds (big-endian), as loadgen's do.
 */
public final class JavaBench {
  /** Log-bucketed histogram, the same bucketing as src/bench/histogram.h (7 sub-bucket bits). */
  static final class Histogram {
    static final int BITS = 7;
    static final long SUB = 1L << BITS, HALF = SUB / 2;
    final long[] counts = new long[index(Long.MAX_VALUE) + 1];
    long count, min = Long.MAX_VALUE, max, sum;

    static int index(long v) {
      if (v < SUB) return (int) v;
      int msb = 63 - Long.numberOfLeadingZeros(v);
      int shift = msb - (BITS - 1);
      return (int) (SUB + (shift - 1) * HALF + ((v >>> shift) - HALF));
    }

    static long lowest(int i) {
      if (i < SUB) return i;
      long rel = i - SUB;
      int shift = (int) (rel / HALF) + 1;
      return (HALF + rel % HALF) << shift;
    }

    synchronized void record(long v) {
      if (v < 0) v = 0;
      counts[index(v)]++;
      count++;
      sum += v;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }

    synchronized long percentile(double p) {
      if (count == 0) return 0;
      if (p >= 100) return max;
      long rank = Math.max(1, (long) Math.ceil(p / 100.0 * count));
      long seen = 0;
      for (int i = 0; i < counts.length; i++) {
        seen += counts[i];
        if (seen >= rank) {
          long hi = i + 1 < counts.length ? lowest(i + 1) - 1 : Long.MAX_VALUE;
          return Math.max(min, Math.min(hi, max));
        }
      }
      return max;
    }

    synchronized String json() {
      return String.format("{\"count\":%d,\"mean\":%.1f,\"p50\":%d,\"p99\":%d,\"p999\":%d,\"max\":%d}", count,
          count == 0 ? 0.0 : (double) sum / count, percentile(50), percentile(99), percentile(99.9), max);
    }
  }

  static long wallMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
  }

  static Map<String, String> parse(String[] args) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) throw new IllegalArgumentException("bad option " + args[i]);
      m.put(args[i].substring(2), args[i + 1]);
    }
    return m;
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> o = parse(args);
    if (System.getProperty("rocketmq.serialize.type") == null) System.setProperty("rocketmq.serialize.type", "ROCKETMQ");
    System.setProperty("rocketmq.client.logUseSlf4j", "false");
    String namesrv = o.getOrDefault("namesrv", "127.0.0.1:9876");
    String mode = o.getOrDefault("mode", "produce");
    String topic = o.getOrDefault("topic", "BenchTopic");
    int size = Integer.parseInt(o.getOrDefault("size", "1024"));
    int threads = Integer.parseInt(o.getOrDefault("threads", "64"));
    String rateS = o.getOrDefault("rate", "max");
    double rate = rateS.equals("max") ? 0 : Double.parseDouble(rateS);
    double duration = Double.parseDouble(o.getOrDefault("duration", "10"));
    long count = Long.parseLong(o.getOrDefault("count", "0"));
    String group = o.getOrDefault("group", "javabench_" + ProcessHandle.current().pid());
    String from = o.getOrDefault("from", mode.equals("both") ? "latest" : "earliest");
    double warmup = Double.parseDouble(o.getOrDefault("warmup", "0"));
    double timeout = Double.parseDouble(o.getOrDefault("timeout", String.valueOf(duration > 0 ? duration + 60 : 600)));
    boolean produce = !mode.equals("consume"), consume = !mode.equals("produce");

    // Figures count from the end of the warm-up (JIT, route fetch, rebalance); duration follows it.
    final long startNs = System.nanoTime() + (long) (warmup * 1e9);
    final long endIssueNs = duration > 0 ? startNs + (long) (duration * 1e9) : Long.MAX_VALUE;
    final long hardNs = startNs + (long) (timeout * 1e9);
    final Histogram sendLat = new Histogram(), s2c = new Histogram(), b2c = new Histogram();
    final AtomicLong issued = new AtomicLong(), acked = new AtomicLong(), sendErrors = new AtomicLong();
    final AtomicLong consumed = new AtomicLong(), consumedBytes = new AtomicLong();
    final AtomicLong lastAckNs = new AtomicLong(), lastConsumeNs = new AtomicLong();

    DefaultMQPushConsumer consumer = null;
    if (consume) {
      consumer = new DefaultMQPushConsumer(group + "_c");
      consumer.setNamesrvAddr(namesrv);
      consumer.setInstanceName("javabench_c_" + ProcessHandle.current().pid());
      consumer.subscribe(topic, "*");
      consumer.setConsumeFromWhere(from.equals("latest") ? ConsumeFromWhere.CONSUME_FROM_LAST_OFFSET
          : ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
      consumer.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
        long now = wallMicros();
        for (MessageExt m : msgs) {
          byte[] b = m.getBody();
          long sent = m.getBornTimestamp() * 1000;
          if (b != null && b.length >= 12 && b[0] == 'R' && b[1] == 'M' && b[2] == 'Q' && b[3] == 'B')
            sent = ByteBuffer.wrap(b, 4, 8).getLong();
          if (System.nanoTime() < startNs) continue;
          b2c.record(now - sent);
          s2c.record(now - m.getStoreTimestamp() * 1000);
          consumedBytes.addAndGet(b == null ? 0 : b.length);
          consumed.incrementAndGet();
        }
        lastConsumeNs.set(System.nanoTime());
        return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
      });
      consumer.start();
    }

    List<Thread> workers = new ArrayList<>();
    DefaultMQProducer producer = null;
    if (produce) {
      producer = new DefaultMQProducer(group + "_p");
      producer.setNamesrvAddr(namesrv);
      producer.setInstanceName("javabench_p_" + ProcessHandle.current().pid());
      producer.setCompressMsgBodyOverHowmuch(Integer.MAX_VALUE);
      producer.start();
      final DefaultMQProducer p = producer;
      final byte[] template = new byte[size];
      for (int i = 0; i < size; i++) template[i] = (byte) ('a' + (i * 7) % 26);
      final long runStart = System.nanoTime();
      for (int t = 0; t < threads; t++) {
        Thread th = new Thread(() -> {
          while (true) {
            long seq = issued.getAndIncrement();
            if (count > 0 && seq >= count) break;
            long intended;
            if (rate > 0) {
              intended = runStart + (long) (seq * 1e9 / rate);  // fixed schedule: no coordinated omission
              long wait = intended - System.nanoTime();
              if (wait > 0) LockSupport.parkNanos(wait);
            } else {
              intended = System.nanoTime();
            }
            if (intended >= endIssueNs || System.nanoTime() >= hardNs) break;
            byte[] body = template.clone();
            if (size >= 12) {
              ByteBuffer bb = ByteBuffer.wrap(body);
              bb.put(new byte[] {'R', 'M', 'Q', 'B'});
              bb.putLong(wallMicros());
            }
            try {
              SendResult r = p.send(new Message(topic, body));
              long now = System.nanoTime();
              if (now < startNs) {
                // warm-up: not counted
              } else if (r.getSendStatus() == SendStatus.SEND_OK) {
                acked.incrementAndGet();
                lastAckNs.set(now);
                sendLat.record((now - intended) / 1000);
              } else {
                sendErrors.incrementAndGet();
              }
            } catch (Exception e) {
              if (sendErrors.incrementAndGet() <= 5) System.err.println("send failed: " + e);
            }
          }
          issued.decrementAndGet();  // the seq this thread took but did not send
        }, "javabench-send-" + t);
        th.start();
        workers.add(th);
      }
    }

    long lastA = 0, lastC = 0;
    while (true) {
      Thread.sleep(100);
      long now = System.nanoTime();
      boolean sendersDone = workers.stream().noneMatch(Thread::isAlive);
      if ((now - startNs) / 1_000_000_000L > (now - 100_000_000L - startNs) / 1_000_000_000L) {
        System.err.printf("[%5.1fs] sent/s %d consumed/s %d errors %d%n", (now - startNs) / 1e9, acked.get() - lastA,
            consumed.get() - lastC, sendErrors.get());
        lastA = acked.get();
        lastC = consumed.get();
      }
      if (now >= hardNs) {
        System.err.println("hard timeout reached");
        break;
      }
      if (!produce) {
        if (count > 0 && consumed.get() >= count) break;
        if (now >= endIssueNs) break;
        continue;
      }
      if (!sendersDone) continue;
      if (!consume || consumed.get() >= acked.get()) break;
      if (now >= Math.min(endIssueNs, lastAckNs.get()) + 5_000_000_000L) break;  // drain grace
    }
    for (Thread th : workers) th.join(TimeUnit.SECONDS.toMillis(10));

    double produceS = Math.max(1, (lastAckNs.get() > 0 ? lastAckNs.get() : System.nanoTime()) - startNs) / 1e9;
    double consumeS = Math.max(1, (lastConsumeNs.get() > 0 ? lastConsumeNs.get() : System.nanoTime()) - startNs) / 1e9;
    StringBuilder sb = new StringBuilder();
    long errors = sendErrors.get();
    sb.append(String.format("{\"tool\":\"javabench\",\"mode\":\"%s\",\"topic\":\"%s\",\"size\":%d,\"threads\":%d,\"rate\":%.0f,"
        + "\"duration_s\":%.1f,\"errors\":%d", mode, topic, size, threads, rate, duration, errors));
    if (produce) {
      sb.append(String.format(",\"produce\":{\"sent\":%d,\"acked\":%d,\"errors\":%d,\"elapsed_s\":%.3f,\"msgs_per_s\":%.1f,"
          + "\"mb_per_s\":%.2f,\"latency_us\":%s}", acked.get() + sendErrors.get(), acked.get(), sendErrors.get(), produceS,
          acked.get() / produceS, acked.get() / produceS * size / 1048576.0, sendLat.json()));
    }
    if (consume) {
      sb.append(String.format(",\"consume\":{\"messages\":%d,\"errors\":0,\"elapsed_s\":%.3f,\"msgs_per_s\":%.1f,\"mb_per_s\":%.2f,"
          + "\"store_to_consume_us\":%s,\"born_to_consume_us\":%s}", consumed.get(), consumeS, consumed.get() / consumeS,
          consumedBytes.get() / consumeS / 1048576.0, s2c.json(), b2c.json()));
    }
    sb.append("}");
    System.out.println(sb);
    System.out.flush();
    if (producer != null) producer.shutdown();
    if (consumer != null) consumer.shutdown();
    System.exit(errors > 0 ? 1 : 0);
  }
}

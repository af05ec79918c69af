package rmqd.compat;

import java.util.ArrayList;
import java.util.List;

import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** SEND_BATCH_MESSAGE: one List of 50 messages into one queue, then every message consumed. */
class BatchTest {
  static final int N = 50;
  static final int QUEUE = 2;

  @Test
  void batchOfFiftyToOneQueueThenConsumeAll() throws Exception {
    String topic = Compat.unique("batch");
    DefaultMQProducer p = Compat.producer(Compat.unique("pg"));
    SendResult r;
    MessageQueue mq;
    try {
      Compat.createTopic(p, topic, 4);
      mq = p.fetchPublishMessageQueues(topic).stream().filter(q -> q.getQueueId() == QUEUE).findFirst().get();
      List<Message> batch = new ArrayList<>();
      for (int i = 0; i < N; i++) {
        Message m = Compat.message(topic, topic, i);
        batch.add(m);
      }
      r = p.send(batch, mq);
    } finally {
      p.shutdown();
    }
    assertEquals(SendStatus.SEND_OK, r.getSendStatus());
    assertEquals(QUEUE, r.getMessageQueue().getQueueId());
    assertEquals(0, r.getQueueOffset(), "batch starts at offset 0 of a new queue");
    String[] ids = r.getMsgId().split(",");
    String[] offsetIds = r.getOffsetMsgId().split(",");
    assertEquals(N, ids.length, "one UNIQ_KEY per batched message: " + r.getMsgId());
    assertEquals(N, offsetIds.length, "one offsetMsgId per batched message: " + r.getOffsetMsgId());

    Compat.Collector c = new Compat.Collector();
    DefaultMQPushConsumer consumer = Compat.pushConsumer(Compat.unique("cg"), topic, c);
    try {
      c.awaitUnique(N, 60_000);
      Compat.sleep(500);
    } finally {
      consumer.shutdown();
    }
    assertEquals(N, c.all.size(), "deliveries (duplicates?)");
    long distinctIds = c.all.stream().map(MessageExt::getMsgId).distinct().count();
    // Oracle quirk: the 5.x client also stamps a UNIQ_KEY on the MessageBatch itself, and the Java 4.9.7
    // broker appends the batch-level properties after each inner message's own, so every message of a
    // 5.x batch comes back with the batch's UNIQ_KEY (50 messages, 1 distinct msgId). A 4.9 client batch
    // keeps one UNIQ_KEY per message. Either per-message ids or that single shared id is accepted for 5.x.
    boolean sharedBatchId = Compat.clientVersion().startsWith("5") && distinctIds == 1;
    System.out.println("compat: batch of " + N + ": distinct msgIds received " + distinctIds);
    for (MessageExt m : c.all) {
      int seq = Compat.seqOf(m);
      Compat.assertSameContent(topic, topic, m);
      assertEquals(QUEUE, m.getQueueId());
      assertEquals(seq, m.getQueueOffset(), "batch order preserved in the queue");
      assertEquals(offsetIds[seq], Compat.offsetMsgIdOf(m), "offsetMsgId of seq " + seq);
      if (!sharedBatchId) {
        assertEquals(ids[seq], m.getMsgId(), "msgId of seq " + seq);
      }
    }
  }
}

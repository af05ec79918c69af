package rmqd.compat;

import java.nio.charset.StandardCharsets;

import org.apache.rocketmq.client.consumer.DefaultMQPullConsumer;
import org.apache.rocketmq.client.consumer.PullResult;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageQueue;

/**
 * Not a test: the client side of capture_frames.py. Produces, through the capturing proxy, one
 * GET_ROUTEINFO_BY_TOPIC, HEART_BEAT, SEND_MESSAGE_V2 and PULL_MESSAGE from the real Java client.
 * args: namesrvAddr topic
 */
public final class CaptureDriver {
  public static void main(String[] args) throws Exception {
    String namesrv = args[0];
    String topic = args[1];
    DefaultMQProducer p = new DefaultMQProducer("golden_pg");
    p.setNamesrvAddr(namesrv);
    p.setInstanceName("golden");
    p.start();
    Message m = new Message(topic, "TagA", "key-1", "golden body 中文 🚀".getBytes(StandardCharsets.UTF_8));
    m.putUserProperty("seq", "1");
    SendResult r = p.send(m, new MessageQueue(topic, "broker-a", 0));
    System.out.println("capture: sent " + r);
    p.getDefaultMQProducerImpl().getmQClientFactory().sendHeartbeatToAllBrokerWithLock();

    @SuppressWarnings("deprecation")
    DefaultMQPullConsumer c = new DefaultMQPullConsumer("golden_cg");
    c.setNamesrvAddr(namesrv);
    c.setInstanceName("golden_c");
    c.start();
    @SuppressWarnings("deprecation")
    PullResult pr = c.pull(new MessageQueue(topic, "broker-a", 0), "*", r.getQueueOffset(), 1);
    System.out.println("capture: pulled " + pr.getPullStatus() + " " + pr.getMsgFoundList());
    c.shutdown();
    p.shutdown();
  }
}

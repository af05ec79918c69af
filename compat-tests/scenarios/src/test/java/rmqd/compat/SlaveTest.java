package rmqd.compat;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A broker configured brokerRole=SLAVE (run.sh phase "slave": brokerId=1, no master; issue #12
 * item 3). Java 4.9.7 facts this asserts:
 *  - the slave registers with the NameServer under brokerId 1, so producers never route to it
 *    (they only send to brokerId 0); the requests here go to its address directly;
 *  - its store refuses every put (DefaultMessageStore.checkStoreStatus), which SendMessageProcessor
 *    answers SERVICE_NOT_AVAILABLE (14) with the "service not available now..." remark, for
 *    SEND_MESSAGE_V2 and SEND_BATCH_MESSAGE alike; END_TRANSACTION (after its header is decoded) is
 *    answered SLAVE_NOT_AVAILABLE (11) with the placeholder remark "not set any response code";
 *  - what a slave does accept still succeeds: UPDATE_CONSUMER_OFFSET.
 */
@Tag(Compat.TAG_SLAVE)
class SlaveTest {
  static final String REMARK_PREFIX =
      "service not available now. It may be caused by one of the following reasons: the broker's disk is full [";
  static DefaultMQProducer producer;
  static String slaveAddr;

  @BeforeAll
  static void setUp() throws Exception {
    producer = Compat.producer(Compat.unique("slavep"));
    var cluster = producer.getDefaultMQProducerImpl().getmQClientFactory().getMQClientAPIImpl()
        .getBrokerClusterInfo(10_000);
    var broker = cluster.getBrokerAddrTable().get(System.getProperty("rmq.brokerName", "broker-a"));
    assertNotNull(broker, "the slave is registered: " + cluster.getBrokerAddrTable().keySet());
    Map<Long, String> addrs = broker.getBrokerAddrs();
    assertEquals(1, addrs.size(), "only the slave is registered: " + addrs);
    slaveAddr = addrs.get(1L);
    assertNotNull(slaveAddr, "registered under brokerId 1: " + addrs);
  }

  @AfterAll
  static void tearDown() {
    if (producer != null) producer.shutdown();
  }

  static RemotingCommand invoke(RemotingCommand req) throws Exception {
    return producer.getDefaultMQProducerImpl().getmQClientFactory().getMQClientAPIImpl().getRemotingClient()
        .invokeSync(slaveAddr, req, 10_000);
  }

  /** SEND_MESSAGE_V2 (310) or SEND_BATCH_MESSAGE (320) as the 4.9 client encodes it (one-letter fields). */
  static RemotingCommand send(int code, String topic, byte[] body) {
    RemotingCommand req = RemotingCommand.createRequestCommand(code, null);
    req.addExtField("a", "slave_pg");
    req.addExtField("b", topic);
    req.addExtField("c", "TBW102");
    req.addExtField("d", "4");
    req.addExtField("e", "0");
    req.addExtField("f", "0");
    req.addExtField("g", Long.toString(System.currentTimeMillis()));
    req.addExtField("h", "0");
    req.addExtField("i", "UNIQ_KEY\u00010A0B0C0D0000000000000001\u0002WAIT\u0001true\u0002");
    req.addExtField("j", "0");
    req.addExtField("k", "false");
    if (code == 320) req.addExtField("m", "true");
    req.setBody(body);
    return req;
  }

  @Test
  void sendIsRefusedWithServiceNotAvailable() throws Exception {
    String topic = Compat.unique("slave");
    RemotingCommand r = invoke(send(310, topic, "on a slave".getBytes(StandardCharsets.UTF_8)));
    System.out.println("compat: slave send answer " + r.getCode() + " " + r.getRemark());
    assertEquals(14, r.getCode(), "SERVICE_NOT_AVAILABLE; remark " + r.getRemark());
    assertNotNull(r.getRemark());
    assertTrue(r.getRemark().startsWith(REMARK_PREFIX), r.getRemark());
    assertTrue(r.getRemark().endsWith("], messages are put to the slave, message store has been shut down, etc."),
        r.getRemark());
  }

  @Test
  void batchIsRefusedWithServiceNotAvailable() throws Exception {
    String topic = Compat.unique("slaveb");
    // One message in the batch encoding (MessageDecoder.encodeMessage): total, magic, crc, flag, body, properties.
    byte[] body = "batched".getBytes(StandardCharsets.UTF_8);
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 + 4 + 4 + 4 + 4 + body.length + 2);
    b.putInt(b.capacity()).putInt(0).putInt(0).putInt(0).putInt(body.length).put(body).putShort((short) 0);
    RemotingCommand r = invoke(send(320, topic, b.array()));
    assertEquals(14, r.getCode(), "SERVICE_NOT_AVAILABLE; remark " + r.getRemark());
    assertTrue(r.getRemark() != null && r.getRemark().startsWith(REMARK_PREFIX), r.getRemark());
  }

  @Test
  void endTransactionIsRefusedWithSlaveNotAvailable() throws Exception {
    RemotingCommand req = RemotingCommand.createRequestCommand(37, null);
    req.addExtField("producerGroup", "slave_pg");
    req.addExtField("tranStateTableOffset", "0");
    req.addExtField("commitLogOffset", "0");
    req.addExtField("commitOrRollback", "8");  // TRANSACTION_COMMIT_TYPE
    req.addExtField("fromTransactionCheck", "false");
    req.addExtField("msgId", "0A0B0C0D00002A9F0000000000000000");
    RemotingCommand r = invoke(req);
    assertEquals(11, r.getCode(), "SLAVE_NOT_AVAILABLE; remark " + r.getRemark());
    // Java sets only the code on a fresh response, whose remark is this placeholder.
    assertEquals("not set any response code", r.getRemark());
  }

  @Test
  void consumerOffsetUpdateIsAccepted() throws Exception {
    RemotingCommand req = RemotingCommand.createRequestCommand(15, null);
    req.addExtField("consumerGroup", Compat.unique("slavecg"));
    req.addExtField("topic", Compat.unique("slaveo"));
    req.addExtField("queueId", "0");
    req.addExtField("commitOffset", "7");
    RemotingCommand r = invoke(req);
    assertEquals(0, r.getCode(), "UPDATE_CONSUMER_OFFSET on a slave; remark " + r.getRemark());
  }
}

package rmqd.compat;

import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.remoting.exception.RemotingTimeoutException;
import org.apache.rocketmq.remoting.netty.NettyClientConfig;
import org.apache.rocketmq.remoting.netty.NettyRemotingClient;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A request code nobody handles, sent with the raw remoting client, must get REQUEST_CODE_NOT_SUPPORTED. */
class UnknownRequestCodeTest {
  static final int UNKNOWN_CODE = 9999;
  // The Java 4.9.7 broker answers exactly this (code 3, remark " request type 9999 not supported").
  static final int REQUEST_CODE_NOT_SUPPORTED = 3;
  static final String REMARK = " request type 9999 not supported";

  /**
   * Oracle surprise: the Java 4.9.7 NameServer registers DefaultRequestProcessor for every code and
   * its switch returns null for unknown codes, so it sends NO response at all (the client times out)
   * and keeps the connection open. Accepted here: either that silence, or REQUEST_CODE_NOT_SUPPORTED
   * with Java's remark (what the Java broker does). Either way the connection must stay usable.
   */
  @Test
  void namesrvIgnoresOrRejectsUnknownCode() throws Exception {
    Compat.banner();
    String addr = Compat.namesrv();
    NettyClientConfig config = new NettyClientConfig();
    // Otherwise the client itself may close the channel after the timeout (5.x default: true),
    // and the follow-up request below would race with that close.
    config.setClientCloseSocketIfTimeout(false);
    NettyRemotingClient client = new NettyRemotingClient(config);
    client.start();
    try {
      RemotingCommand req = RemotingCommand.createRequestCommand(UNKNOWN_CODE, null);
      try {
        RemotingCommand resp = client.invokeSync(addr, req, 3000);
        System.out.println("compat: unknown code " + UNKNOWN_CODE + " at namesrv " + addr + " -> code="
            + resp.getCode() + " remark=\"" + resp.getRemark() + "\"");
        assertEquals(REQUEST_CODE_NOT_SUPPORTED, resp.getCode());
        assertEquals(REMARK, resp.getRemark());
        assertEquals(req.getOpaque(), resp.getOpaque());
      } catch (RemotingTimeoutException e) {
        System.out.println("compat: unknown code " + UNKNOWN_CODE + " at namesrv " + addr
            + " -> no response (Java 4.9.7 NameServer behaviour)");
      }
      // The same connection still answers GET_ROUTEINFO_BY_TOPIC (105) for TBW102.
      RemotingCommand route = RemotingCommand.createRequestCommand(105, null);
      route.addExtField("topic", "TBW102");
      RemotingCommand resp = client.invokeSync(addr, route, 5000);
      assertEquals(0, resp.getCode(), "route of TBW102: " + resp.getRemark());
      assertNotNull(resp.getBody());
    } finally {
      client.shutdown();
    }
  }

  @Test
  void brokerAnswersRequestCodeNotSupported() throws Exception {
    check(masterBrokerAddr());
  }

  static void check(String addr) throws Exception {
    Compat.banner();
    NettyRemotingClient client = new NettyRemotingClient(new NettyClientConfig());
    client.start();
    try {
      RemotingCommand req = RemotingCommand.createRequestCommand(UNKNOWN_CODE, null);
      RemotingCommand resp = client.invokeSync(addr, req, 5000);
      assertNotNull(resp);
      System.out.println("compat: unknown code " + UNKNOWN_CODE + " at " + addr + " -> code=" + resp.getCode()
          + " remark=\"" + resp.getRemark() + "\"");
      assertEquals(REQUEST_CODE_NOT_SUPPORTED, resp.getCode());
      assertEquals(REMARK, resp.getRemark());
      assertEquals(req.getOpaque(), resp.getOpaque());
      assertTrue(resp.isResponseType());
    } finally {
      client.shutdown();
    }
  }

  /**
   * The master broker address, as the client itself resolved it from the route (route classes moved
   * package between 4.9 and 5.x, so the client's own lookup keeps this source version-neutral).
   */
  static String masterBrokerAddr() throws Exception {
    DefaultMQProducer p = Compat.producer(Compat.unique("pg"));
    try {
      String topic = Compat.unique("addr");
      SendResult r = p.send(Compat.message(topic, topic, 0));
      String addr = p.getDefaultMQProducerImpl().getmQClientFactory()
          .findBrokerAddressInPublish(r.getMessageQueue().getBrokerName());
      assertNotNull(addr, "master address");
      return addr;
    } finally {
      p.shutdown();
    }
  }
}

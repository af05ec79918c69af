package rmqd.compat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendStatus;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The ACL admin commands of mqadmin (4.9 tools) signing with conf/tools.yml, against the "acl" phase
 * broker (see AclTest for its accounts): updateAclConfig, clusterAclConfigVersion, deleteAclConfig,
 * updateGlobalWhiteAddr. Changes must reach the files and take effect without a restart.
 */
@Tag(Compat.TAG_ACL)
@Tag(Compat.TAG_ADMIN)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AclAdminTest {
  static final String CLUSTER = System.getProperty("rmq.cluster", "DefaultCluster");
  static final String NEW_AK = "aclNewUser" + Compat.clientTag(), NEW_SK = "newSecret1";

  /** A tools home whose tools.yml signs as the given account (none when ak is null). */
  static Path home(String name, String ak, String sk) throws Exception {
    Path base = MqAdminTest.toolsHome();
    Path home = Paths.get("target", "mqadmin-" + name).toAbsolutePath();
    Files.createDirectories(home.resolve("conf"));
    Files.copy(base.resolve("conf").resolve("logback_tools.xml"), home.resolve("conf").resolve("logback_tools.xml"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Path tools = home.resolve("conf").resolve("tools.yml");
    if (ak == null) {
      Files.deleteIfExists(tools);
    } else {
      Files.write(tools, ("accessKey: " + ak + "\nsecretKey: " + sk + "\n").getBytes(StandardCharsets.UTF_8));
    }
    return home;
  }

  static String admin(String... args) throws Exception {
    return MqAdminTest.mqadminWithHome(home("admin", AclTest.ADMIN_AK, AclTest.ADMIN_SK), args);
  }

  static boolean sends(String ak, String sk) {
    try {
      DefaultMQProducer p = AclTest.producer(ak == null ? null : AclTest.hook(ak, sk));
      try {
        return p.send(AclTest.msg(AclTest.OK_TOPIC)).getSendStatus() == SendStatus.SEND_OK;
      } finally {
        p.shutdown();
      }
    } catch (Exception e) {
      return false;
    }
  }

  @Test
  @Order(1)
  void updateAclConfigCreatesAnAccountThatWorks() throws Exception {
    String out = admin("updateAclConfig", "-c", CLUSTER, "-a", NEW_AK, "-s", NEW_SK, "-i", "PUB", "-u", "SUB");
    MqAdminTest.assertMatches("create or update plain access config to \\S+:\\d+ success\\.", out);
    Compat.waitFor("the new account can send", 20_000, () -> sends(NEW_AK, NEW_SK));
  }

  @Test
  @Order(2)
  void clusterAclConfigVersionListsTheFiles() throws Exception {
    String out = admin("clusterAclConfigVersion", "-c", CLUSTER);
    MqAdminTest.assertMatches("^" + CLUSTER + "\\s+\\S+\\s+\\S+:\\d+\\s+\\S*plain_acl\\.yml\\s+\\d+\\s+\\d{4}-", out);
  }

  @Test
  @Order(3)
  void deleteAclConfigRemovesTheAccount() throws Exception {
    String out = admin("deleteAclConfig", "-c", CLUSTER, "-a", NEW_AK);
    MqAdminTest.assertMatches("delete plain access config account from \\S+:\\d+ success\\.", out);
    Compat.waitFor("the deleted account is refused", 20_000, () -> !sends(NEW_AK, NEW_SK));
  }

  @Test
  @Order(4)
  void globalWhiteAddressLetsUnsignedClientsIn() throws Exception {
    assertEquals(false, sends(null, null), "unsigned send before the white list");
    String out = admin("updateGlobalWhiteAddr", "-c", CLUSTER, "-g", "127.0.0.1,10.10.103.*");
    MqAdminTest.assertMatches("update global white remote addresses to \\S+:\\d+ success\\.", out);
    try {
      // Java only writes the file here; its file watcher applies it within seconds.
      Compat.waitFor("unsigned clients pass from a white address", 30_000, () -> sends(null, null));
    } finally {
      admin("updateGlobalWhiteAddr", "-c", CLUSTER, "-g", "10.10.103.*");
    }
    Compat.waitFor("unsigned clients are refused again", 30_000, () -> !sends(null, null));
  }

  @Test
  @Order(5)
  void mqadminWithoutKeysIsRefused() throws Exception {
    String out = MqAdminTest.mqadminWithHome(home("nokeys", null, null),
        "updateAclConfig", "-c", CLUSTER, "-a", "someUser01", "-s", "someSecret1");
    MqAdminTest.assertMatches("No accessKey is configured", out);
  }

  @Test
  @Order(6)
  void brokerClusterAclConfigListsTheWhiteListAndAccounts() throws Exception {
    // 54 GET_BROKER_CLUSTER_ACL_CONFIG: neither 4.9.8 nor 5.3.1 has a client method or mqadmin
    // command that sends it any more, so it goes raw, signed as the admin account.
    org.apache.rocketmq.remoting.netty.NettyRemotingClient raw =
        new org.apache.rocketmq.remoting.netty.NettyRemotingClient(new org.apache.rocketmq.remoting.netty.NettyClientConfig());
    raw.registerRPCHook(AclTest.hook(AclTest.ADMIN_AK, AclTest.ADMIN_SK));
    raw.start();
    try {
      // The master's address from GET_BROKER_CLUSTER_INFO (fastjson writes brokerAddrs' key 0 unquoted).
      org.apache.rocketmq.remoting.protocol.RemotingCommand ci = raw.invokeSync(Compat.namesrv(),
          org.apache.rocketmq.remoting.protocol.RemotingCommand.createRequestCommand(106, null), 5000);
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"brokerAddrs\"\\s*:\\s*\\{\\s*\"?0\"?\\s*:\\s*\"([^\"]+)\"")
          .matcher(new String(ci.getBody(), StandardCharsets.UTF_8));
      org.junit.jupiter.api.Assertions.assertTrue(m.find(), "broker address in the cluster info");
      String addr = m.group(1);
      org.apache.rocketmq.remoting.protocol.RemotingCommand req =
          org.apache.rocketmq.remoting.protocol.RemotingCommand.createRequestCommand(54, null);
      org.apache.rocketmq.remoting.protocol.RemotingCommand resp = raw.invokeSync(addr, req, 5000);
      String body = resp.getBody() == null ? "" : new String(resp.getBody(), StandardCharsets.UTF_8);
      System.out.println("compat: GET_BROKER_CLUSTER_ACL_CONFIG -> code=" + resp.getCode() + " remark="
          + resp.getRemark() + " body=" + body);
      assertEquals(0, resp.getCode(), "code 54: " + resp.getRemark());
      // The file's global white list (as test 4 left it) and every account with its fields.
      MqAdminTest.assertMatches("\"globalWhiteAddrs\"\\s*:\\s*\\[\\s*\"10\\.10\\.103\\.\\*\"\\s*\\]", body);
      for (String ak : new String[] {"rmqAdmin01", "rmqUser001", "rmqWhite01"}) {
        MqAdminTest.assertMatches("\"accessKey\"\\s*:\\s*\"" + ak + "\"", body);
      }
      MqAdminTest.assertMatches("\"secretKey\"\\s*:\\s*\"userSecret1\"", body);
      MqAdminTest.assertMatches("\"whiteRemoteAddress\"\\s*:\\s*\"127\\.0\\.0\\.1\"", body);
      MqAdminTest.assertMatches("\"topicPerms\"\\s*:\\s*\\[\\s*\"acl_deny_topic=DENY\"\\s*,\\s*\"acl_sub_topic=SUB\"\\s*,\\s*\"acl_pub_topic=PUB\"\\s*\\]", body);
    } finally {
      raw.shutdown();
    }
  }
}

package rmqd.compat;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.message.MessageQueue;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The real mqadmin (rocketmq-tools MQAdminStartup) run in a child JVM per command, because
 * MQAdminStartup may call System.exit. Output is asserted as text.
 */
@Tag(Compat.TAG_ADMIN)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MqAdminTest {
  static final String CLUSTER = System.getProperty("rmq.cluster", "DefaultCluster");
  static final String BROKER = System.getProperty("rmq.brokerName", "broker-a");
  static String topic;

  @BeforeAll
  static void names() {
    Compat.banner();
    topic = Compat.unique("admin");
  }

  /** MQAdminStartup configures logback from $ROCKETMQ_HOME/conf/logback_tools.xml and dies without it. */
  static Path toolsHome() throws Exception {
    Path home = Paths.get("target", "mqadmin-home").toAbsolutePath();
    Path conf = home.resolve("conf").resolve("logback_tools.xml");
    if (!Files.exists(conf)) {
      Files.createDirectories(conf.getParent());
      Files.write(conf, ("<configuration>\n"
          + "  <appender name=\"FILE\" class=\"ch.qos.logback.core.FileAppender\">\n"
          + "    <file>" + home.resolve("tools.log") + "</file>\n"
          + "    <encoder><pattern>%d %-5level %logger{20} - %msg%n</pattern></encoder>\n"
          + "  </appender>\n"
          + "  <root level=\"WARN\"><appender-ref ref=\"FILE\"/></root>\n"
          + "</configuration>\n").getBytes(StandardCharsets.UTF_8));
    }
    return home;
  }

  static String mqadmin(String... args) throws Exception {
    return mqadminWithHome(toolsHome(), args);
  }

  /** mqadmin with ROCKETMQ_HOME = `home` (its conf/tools.yml, if any, holds the ACL keys mqadmin signs with). */
  static String mqadminWithHome(Path home, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(Arrays.asList(
        System.getProperty("java.home") + File.separator + "bin" + File.separator + "java",
        "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-Drocketmq.serialize.type=" + Compat.serializeType(),
        "-Drocketmq.home.dir=" + home,
        "-Drocketmq.client.logRoot=" + System.getProperty("rocketmq.client.logRoot", "target/client-logs"),
        "-cp", System.getProperty("java.class.path"),
        "org.apache.rocketmq.tools.command.MQAdminStartup"));
    cmd.addAll(Arrays.asList(args));
    cmd.add("-n");
    cmd.add(Compat.namesrv());
    Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (InputStream in = proc.getInputStream()) {
      Thread pump = new Thread(() -> {
        try {
          in.transferTo(out);
        } catch (Exception ignored) {
          // process killed
        }
      });
      pump.start();
      if (!proc.waitFor(60, TimeUnit.SECONDS)) {
        proc.destroyForcibly();
        fail("mqadmin " + args[0] + " timed out; output so far:\n" + out);
      }
      pump.join(5000);
    }
    String text = out.toString(StandardCharsets.UTF_8);
    System.out.println("compat: mqadmin " + String.join(" ", args) + " (exit " + proc.exitValue() + ")\n" + text);
    return text;
  }

  static void assertMatches(String regex, String text) {
    assertTrue(Pattern.compile(regex, Pattern.MULTILINE).matcher(text).find(), "/" + regex + "/ not found in:\n" + text);
  }

  @Test
  @Order(1)
  void clusterListShowsTheBroker() throws Exception {
    String out = mqadmin("clusterList");
    assertMatches("^" + Pattern.quote(CLUSTER) + "\\s+" + Pattern.quote(BROKER) + "\\s+0\\s+\\S+:\\d+", out);
  }

  @Test
  @Order(2)
  void updateTopicCreatesTheTopic() throws Exception {
    String out = mqadmin("updateTopic", "-c", CLUSTER, "-t", topic, "-r", "3", "-w", "3");
    assertMatches("create topic to \\S+:\\d+ success\\.", out);
    assertMatches("readQueueNums=3", out);
  }

  @Test
  @Order(3)
  void topicListContainsTheTopic() throws Exception {
    String out = mqadmin("topicList");
    assertMatches("^" + Pattern.quote(topic) + "$", out);
    assertMatches("^TBW102$", out);
  }

  @Test
  @Order(4)
  void topicRouteShowsQueueCounts() throws Exception {
    String out = mqadmin("topicRoute", "-t", topic);
    assertMatches("\"readQueueNums\"\\s*:\\s*3", out);
    assertMatches("\"writeQueueNums\"\\s*:\\s*3", out);
    assertMatches("\"brokerName\"\\s*:\\s*\"" + Pattern.quote(BROKER) + "\"", out);
    assertMatches("\"cluster\"\\s*:\\s*\"" + Pattern.quote(CLUSTER) + "\"", out);
  }

  @Test
  @Order(5)
  void topicStatusShowsOffsets() throws Exception {
    DefaultMQProducer p = Compat.producer(Compat.unique("pg"));
    try {
      Compat.waitFor("route of " + topic, 20_000, () -> {
        try {
          return p.fetchPublishMessageQueues(topic).size() == 3;
        } catch (Exception e) {
          return false;
        }
      });
      for (int i = 0; i < 5; i++) {
        p.send(Compat.message(topic, topic, i), new MessageQueue(topic, BROKER, 1));
      }
    } finally {
      p.shutdown();
    }
    String out = mqadmin("topicStatus", "-t", topic);
    // #Broker Name  #QID  #Min Offset  #Max Offset  #Last Updated
    assertMatches("^" + Pattern.quote(BROKER) + "\\s+0\\s+0\\s+0\\s*$", out);
    assertMatches("^" + Pattern.quote(BROKER) + "\\s+1\\s+0\\s+5\\s+\\S", out);
    assertMatches("^" + Pattern.quote(BROKER) + "\\s+2\\s+0\\s+0\\s*$", out);
    assertEquals(3, out.lines().filter(l -> l.startsWith(BROKER)).count(), "rows in:\n" + out);
  }

  /**
   * DELETE_EXPIRED_COMMITLOG (329) and CLEAN_EXPIRED_CONSUMEQUEUE (306): both answer SUCCESS
   * ("success"); with the default fileReservedTime (72 h) nothing is old enough, so the oracle
   * deletes nothing and the topic's offsets are unchanged.
   */
  @Test
  @Order(6)
  void retentionCommandsKeepUnexpiredMessages() throws Exception {
    assertMatches("success", mqadmin("deleteExpiredCommitLog", "-c", CLUSTER));
    assertMatches("success", mqadmin("cleanExpiredCQ", "-c", CLUSTER));
    Compat.sleep(1500);  // the clean pass runs in the background
    String out = mqadmin("topicStatus", "-t", topic);
    assertMatches("^" + Pattern.quote(BROKER) + "\\s+1\\s+0\\s+5\\s+\\S", out);
  }
}

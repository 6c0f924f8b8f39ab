package io.pitr.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.pitr.operator.testing.HelmChart;
import io.pitr.testing.ExternalCommand;
import io.pitr.testing.Promtool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chart's alerts, proven with promtool: the PrometheusRule that {@code
 * prometheusRule.enabled=true} renders passes {@code promtool check rules}, and its alerts do what
 * the unit tests in src/test/prometheus say ({@code promtool test rules}: series in, alerts out,
 * each alert firing and not), with the default thresholds and with a platform team's values. It
 * does not show that the operator serves these metrics with these labels: its metrics tests do.
 */
class PrometheusRuleTest {

  private static final Path TESTS = Path.of("src", "test", "prometheus");
  private static final String RULES_FILE = "pitr-operator-rules.yaml";
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final List<String> ALL_ALERTS =
      List.of(
          "PitrDisabledAgainstSpec",
          "PitrPolicyStalled",
          "PitrRepeatedDriftCorrections",
          "PitrRestoreWindowReduced",
          "PitrObserveOnlyDrift",
          "PitrAwsThrottling",
          "PitrOperatorDown");

  /** Per test, so that a machine without Go reports each test as skipped, and why. */
  @BeforeEach
  void tools() {
    HelmChart.provision();
    Promtool.binary();
  }

  @Test
  void defaultsRenderNoPrometheusRule() throws IOException {
    List<String> kinds = new ArrayList<>();
    for (JsonNode object : documents(HelmChart.template())) {
      kinds.add(object.path("kind").asText());
    }

    assertThat(kinds).isNotEmpty().doesNotContain("PrometheusRule");
  }

  @Test
  void defaultAlertsPassPromtoolAndTheirUnitTests(@TempDir Path directory) throws IOException {
    JsonNode rule = prometheusRule("--set", "prometheusRule.enabled=true");

    assertThat(rule.at("/metadata/namespace").asText()).isEqualTo(HelmChart.NAMESPACE);
    assertThat(alertNames(rule))
        .as("every alert but the optional PitrOperatorDown")
        .containsExactlyElementsOf(ALL_ALERTS.subList(0, 6));
    assertPassesPromtool(rule, directory, "pitr-operator-rules.test.yaml");
  }

  @Test
  void thresholdsAndLabelsComeFromValues(@TempDir Path directory) throws IOException {
    JsonNode rule = prometheusRule("--values", TESTS.resolve("custom-values.yaml").toString());

    assertThat(rule.at("/metadata/namespace").asText()).isEqualTo("monitoring");
    assertThat(rule.at("/metadata/labels/release").asText()).isEqualTo("kube-prometheus-stack");
    assertThat(alertNames(rule))
        .as("PitrObserveOnlyDrift turned off, PitrOperatorDown on")
        .containsExactly(
            "PitrDisabledAgainstSpec",
            "PitrPolicyStalled",
            "PitrRepeatedDriftCorrections",
            "PitrRestoreWindowReduced",
            "PitrAwsThrottling",
            "PitrOperatorDown");
    assertPassesPromtool(rule, directory, "pitr-operator-rules-custom.test.yaml");
  }

  @Test
  void everyRunbookUrlPointsAtARunbookInTheReadme() throws IOException {
    JsonNode rule =
        prometheusRule(
            "--set",
            "prometheusRule.enabled=true",
            "--set",
            "prometheusRule.alerts.operatorDown.enabled=true");
    Set<String> anchors = new TreeSet<>();
    Matcher heading =
        Pattern.compile("^#+ (.+)$", Pattern.MULTILINE)
            .matcher(Files.readString(Path.of("README.md")));
    while (heading.find()) {
      anchors.add(githubAnchor(heading.group(1)));
    }

    assertThat(alertNames(rule)).containsExactlyElementsOf(ALL_ALERTS);
    for (JsonNode alert : rule.at("/spec/groups/0/rules")) {
      String name = alert.get("alert").asText();
      String url = alert.at("/annotations/runbook_url").asText();
      assertThat(url)
          .isEqualTo(
              "https://github.com/pitr-io/pitr-operator#runbook-" + name.toLowerCase(Locale.ROOT));
      assertThat(anchors)
          .as("README heading for %s", url)
          .contains(url.substring(url.indexOf('#') + 1));
      assertThat(alert.at("/annotations/summary").asText()).isNotBlank();
      assertThat(alert.at("/annotations/description").asText()).isNotBlank();
      assertThat(alert.at("/labels/severity").asText()).isNotBlank();
    }
  }

  /**
   * Writes the rule's groups where the unit-test file expects them, and runs promtool on both. The
   * unit-test file must test each alert of the rule both firing and quiet, and name no alert that
   * the chart does not have (promtool passes a quiet case for an unknown name).
   */
  private static void assertPassesPromtool(JsonNode rule, Path directory, String unitTests)
      throws IOException {
    Path rules = directory.resolve(RULES_FILE);
    YAML.writeValue(rules.toFile(), rule.get("spec"));
    Path tests = Files.copy(TESTS.resolve(unitTests), directory.resolve(unitTests));

    JsonNode cases = YAML.readTree(tests.toFile());
    List<String> firing = new ArrayList<>();
    List<String> quiet = new ArrayList<>();
    for (JsonNode group : cases.get("tests")) {
      for (JsonNode alertTest : group.path("alert_rule_test")) {
        String name = alertTest.get("alertname").asText();
        (alertTest.path("exp_alerts").isEmpty() ? quiet : firing).add(name);
      }
    }
    assertThat(firing).as("alerts tested firing in %s", unitTests).containsAll(alertNames(rule));
    assertThat(quiet).as("alerts tested quiet in %s", unitTests).containsAll(alertNames(rule));
    assertThat(ALL_ALERTS).as("the chart's alerts").containsAll(firing).containsAll(quiet);

    ExternalCommand.Result checked = Promtool.run("check", "rules", rules.toString());
    assertThat(checked.exitCode()).as(checked.stdout() + checked.stderr()).isZero();
    assertThat(checked.stdout()).contains("SUCCESS: " + alertNames(rule).size() + " rules found");

    ExternalCommand.Result tested = Promtool.run("test", "rules", tests.toString());
    assertThat(tested.exitCode()).as(tested.stdout() + tested.stderr()).isZero();
    assertThat(tested.stdout()).contains("SUCCESS");
  }

  private static JsonNode prometheusRule(String... values) throws IOException {
    List<String> arguments = new ArrayList<>(List.of(values));
    arguments.addAll(List.of("--show-only", "templates/prometheusrule.yaml"));
    List<JsonNode> rendered = documents(HelmChart.template(arguments.toArray(String[]::new)));
    assertThat(rendered).hasSize(1);
    JsonNode rule = rendered.get(0);
    assertThat(rule.get("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
    assertThat(rule.get("kind").asText()).isEqualTo("PrometheusRule");
    return rule;
  }

  private static List<String> alertNames(JsonNode rule) {
    List<String> names = new ArrayList<>();
    for (JsonNode group : rule.at("/spec/groups")) {
      for (JsonNode alert : group.get("rules")) {
        names.add(alert.get("alert").asText());
      }
    }
    return names;
  }

  private static List<JsonNode> documents(String manifests) throws IOException {
    List<JsonNode> documents = new ArrayList<>();
    try (var values = YAML.readerFor(JsonNode.class).<JsonNode>readValues(manifests)) {
      while (values.hasNext()) {
        JsonNode document = values.next();
        if (document != null && !document.isNull() && !document.isEmpty()) {
          documents.add(document);
        }
      }
    }
    return documents;
  }

  /** The anchor GitHub gives a README heading: lower case, punctuation dropped, spaces as '-'. */
  private static String githubAnchor(String heading) {
    return heading
        .strip()
        .toLowerCase(Locale.ROOT)
        .replaceAll("[^a-z0-9 _-]", "")
        .replace(' ', '-');
  }
}

package io.pitr.operator.sets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.pitr.emulator.Operation;
import io.pitr.emulator.Scope;
import io.pitr.operator.ContinuousBackupsPolicyReconciler;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicy;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicySet;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicySetStatus;
import io.pitr.operator.api.v1alpha1.DeletionPolicy;
import io.pitr.operator.api.v1alpha1.ExcludedTable;
import io.pitr.operator.status.PolicyStatusBuilder;
import io.pitr.operator.testing.CustomResourceDefinitions;
import io.pitr.operator.testing.Fixtures;
import io.pitr.operator.testing.OperatorUnderTest;
import io.pitr.operator.testing.Policies;
import io.pitr.operator.testing.PrometheusMetrics;
import io.pitr.operator.testing.RealKubeApiServer;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.model.Tag;

/**
 * The packaged operator, installed from the chart against the emulator, keeps one generated policy
 * per table a ContinuousBackupsPolicySet selects: tables tagged env=prod, except *-scratch, found
 * when the set is created and when they are created later; a hand-written policy and an older set
 * win their tables; a table whose tag changes loses its policy, which leaves its PITR as it is; a
 * template change rolls out. Discovery runs every 2 s and re-reads tags every 3 s here, so that
 * every step is awaited on an event, not on a clock. Not covered: Kubernetes' garbage collector
 * deleting the policies of a deleted set (the test API server runs no controller manager).
 */
@ExtendWith(RealKubeApiServer.class)
class PolicySetIT {

  static final Scope SCOPE = new Scope("123456789012", "eu-west-1");
  static final String NAMESPACE = "policy-sets";
  static final String OTHER_NAMESPACE = "policy-sets-other";
  static final Duration CONVERGENCE = Duration.ofSeconds(30);

  private static OperatorUnderTest under;
  private static Policies policies;
  private static KubernetesClient client;

  @BeforeAll
  static void start(KubernetesClient kubernetesClient) {
    client = kubernetesClient;
    under =
        OperatorUnderTest.start(
            client,
            "policy-sets",
            SCOPE,
            values ->
                values
                    .watchNamespaces(NAMESPACE, OTHER_NAMESPACE)
                    .env("PITR_DISCOVERY_INTERVAL", "2s")
                    .env("PITR_DISCOVERY_TAG_REFRESH_INTERVAL", "3s"));
    policies = under.policies();
    CustomResourceDefinitions.ensureNamespace(client, OTHER_NAMESPACE);
  }

  @AfterAll
  static void stop() {
    if (under != null) {
      under.close();
    }
  }

  @Test
  void aSetManagesTheTablesItSelectsIncludingLaterOnes() {
    table("orders", "prod");
    table("ledger", "prod");
    table("search", "dev");
    table("orders-scratch", "prod");
    table("payments", "prod");
    policies.awaitReady(policies.create(NAMESPACE, "payments", "payments", true, 7));

    ContinuousBackupsPolicySet set =
        create(NAMESPACE, "prod-tables", "orders*", "ledger", "search", "payments", "invoices");

    ContinuousBackupsPolicySetStatus status =
        awaitSet(NAMESPACE, "prod-tables", s -> ready(s) && s.getSelected() == 2);
    assertThat(status.getReady()).isEqualTo(2);
    assertThat(status.getExcludedTables())
        .extracting(ExcludedTable::getTableName, ExcludedTable::getReason)
        .containsExactly(
            tuple("orders-scratch", "ExcludedByName"), tuple("payments", "ManagedByPolicy"));
    assertThat(generatedTables(set)).containsExactlyInAnyOrder("orders", "ledger");
    assertThat(policies.calls("orders", Operation.UPDATE_CONTINUOUS_BACKUPS)).isOne();
    assertThat(policies.calls("search", Operation.UPDATE_CONTINUOUS_BACKUPS)).isZero();
    assertThat(policies.calls("orders-scratch", Operation.UPDATE_CONTINUOUS_BACKUPS)).isZero();
    assertThat(
            policies
                .get(NAMESPACE, "payments")
                .getSpec()
                .getPointInTimeRecoverySpecification()
                .getRecoveryPeriodInDays())
        .as("the hand-written policy is left alone")
        .isEqualTo(7);
    assertThat(policies.events(NAMESPACE, "prod-tables")).contains("TablesSelected");
    assertThat(under.operator().metrics().samples())
        .extracting(PrometheusMetrics.Sample::name)
        .as("discovery's metrics, which the README lists")
        .contains(
            "pitr_discovery_tables",
            "pitr_discovery_tags_unread",
            "pitr_discovery_round_duration_seconds_count",
            "pitr_discovery_round_duration_seconds_sum",
            "pitr_discovery_round_duration_seconds_max");

    // A table created later, and tagged, joins within the discovery interval.
    table("invoices", "prod");
    awaitSet(NAMESPACE, "prod-tables", s -> ready(s) && s.getSelected() == 3);
    assertThat(generatedTables(set)).contains("invoices");
    assertThat(policies.calls("invoices", Operation.UPDATE_CONTINUOUS_BACKUPS)).isOne();
  }

  @Test
  void aTableWhoseTagChangesLosesItsPolicyAndKeepsItsPitr() {
    String arn = table("archive", "prod");
    ContinuousBackupsPolicySet set = create(OTHER_NAMESPACE, "archive-set", "archive");
    awaitSet(OTHER_NAMESPACE, "archive-set", s -> ready(s) && s.getSelected() == 1);
    long updates = policies.calls("archive", Operation.UPDATE_CONTINUOUS_BACKUPS);

    under
        .outOfBand()
        .tagResource(
            r -> r.resourceArn(arn).tags(Tag.builder().key("env").value("retired").build()));

    awaitSet(OTHER_NAMESPACE, "archive-set", s -> ready(s) && s.getSelected() == 0);
    await().atMost(CONVERGENCE).until(() -> generatedTables(set).isEmpty());
    assertThat(policies.calls("archive", Operation.UPDATE_CONTINUOUS_BACKUPS))
        .as("deletionPolicy Retain: no write when the policy goes")
        .isEqualTo(updates);
    assertThat(
            under
                .outOfBand()
                .describeContinuousBackups(r -> r.tableName("archive"))
                .continuousBackupsDescription()
                .pointInTimeRecoveryDescription()
                .pointInTimeRecoveryStatusAsString())
        .isEqualTo("ENABLED");
    assertThat(policies.events(OTHER_NAMESPACE, "archive-set")).contains("TablesReleased");
  }

  @Test
  void anOlderSetWinsATableAndATemplateChangeRollsOut() {
    table("billing", "prod");
    ContinuousBackupsPolicySet older = create(NAMESPACE, "billing-first", "billing");
    awaitSet(NAMESPACE, "billing-first", s -> ready(s) && s.getSelected() == 1);

    create(OTHER_NAMESPACE, "billing-second", "billing");
    ContinuousBackupsPolicySetStatus second =
        awaitSet(OTHER_NAMESPACE, "billing-second", s -> ready(s) && s.getExcluded() == 1);
    assertThat(second.getSelected()).isZero();
    assertThat(second.getExcludedTables())
        .extracting(ExcludedTable::getReason, ExcludedTable::getMessage)
        .containsExactly(
            tuple("SelectedByOlderSet", "ContinuousBackupsPolicySet policy-sets/billing-first"));

    client
        .resources(ContinuousBackupsPolicySet.class)
        .inNamespace(NAMESPACE)
        .withName(older.getMetadata().getName())
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            """
            {"spec": {"template": {
              "pointInTimeRecoverySpecification": {"recoveryPeriodInDays": 14},
              "acknowledgeRestorePointLoss": "CHG-9: 14 days is enough"}}}
            """);
    awaitSet(NAMESPACE, "billing-first", s -> ready(s) && s.getObservedGeneration() == 2);
    ContinuousBackupsPolicy policy =
        policies.get(NAMESPACE, GeneratedPolicies.name("billing-first", "billing"));
    assertThat(Policies.period(policy)).isEqualTo(14);
    assertThat(policies.calls("billing", Operation.UPDATE_CONTINUOUS_BACKUPS)).isEqualTo(2);
  }

  @Test
  void aTableHandedToAHandWrittenPolicyKeepsItsPitrEvenWithDisable() {
    table("ledger-eu", "prod");
    ContinuousBackupsPolicySet set =
        Fixtures.load("sets/prod-tables.yaml", ContinuousBackupsPolicySet.class);
    set.getMetadata().setName("disable-on-release");
    set.getMetadata().setNamespace(OTHER_NAMESPACE);
    set.getMetadata().setUid(null);
    set.getMetadata().setGeneration(null);
    set.getMetadata().setCreationTimestamp(null);
    set.getSpec().getTableSelector().setNames(List.of("ledger-eu"));
    set.getSpec().getTemplate().setDeletionPolicy(DeletionPolicy.Disable);
    set.getSpec().getTemplate().setAcknowledgeRestorePointLoss("CHG-3: released tables go off");
    client.resource(set).create();
    awaitSet(OTHER_NAMESPACE, "disable-on-release", s -> ready(s) && s.getSelected() == 1);
    String generatedName = GeneratedPolicies.name("disable-on-release", "ledger-eu");
    await()
        .atMost(CONVERGENCE)
        .until(
            () ->
                policies
                    .get(OTHER_NAMESPACE, generatedName)
                    .hasFinalizer(ContinuousBackupsPolicyReconciler.FINALIZER));

    java.time.Instant restorableSince = earliestRestorable("ledger-eu");

    // A team writes its own policy for the table: the set hands it over.
    policies.create(NAMESPACE, "ledger-eu", "ledger-eu", true, 35);

    awaitSet(
        OTHER_NAMESPACE, "disable-on-release", s -> s.getSelected() == 0 && s.getExcluded() == 1);
    await().atMost(CONVERGENCE).until(() -> policies.find(OTHER_NAMESPACE, generatedName) == null);
    policies.awaitReady(NAMESPACE, "ledger-eu", 1);
    assertThat(pitrStatus("ledger-eu"))
        .as("a handover never turns PITR off, whatever the template's deletionPolicy")
        .isEqualTo("ENABLED");
    assertThat(earliestRestorable("ledger-eu"))
        .as("the restore points are all kept: PITR was never off")
        .isEqualTo(restorableSince);
  }

  private static java.time.Instant earliestRestorable(String table) {
    return under
        .outOfBand()
        .describeContinuousBackups(r -> r.tableName(table))
        .continuousBackupsDescription()
        .pointInTimeRecoveryDescription()
        .earliestRestorableDateTime();
  }

  private static String pitrStatus(String table) {
    return under
        .outOfBand()
        .describeContinuousBackups(r -> r.tableName(table))
        .continuousBackupsDescription()
        .pointInTimeRecoveryDescription()
        .pointInTimeRecoveryStatusAsString();
  }

  /** Creates a table tagged env=VALUE; its ARN. */
  private static String table(String name, String env) {
    String arn = under.emulator().createTable(SCOPE, name);
    under
        .outOfBand()
        .tagResource(r -> r.resourceArn(arn).tags(Tag.builder().key("env").value(env).build()));
    return arn;
  }

  /** The set of the fixture (env=prod, except *-scratch), optionally only these names. */
  private static ContinuousBackupsPolicySet create(String namespace, String name, String... names) {
    ContinuousBackupsPolicySet set =
        Fixtures.load("sets/prod-tables.yaml", ContinuousBackupsPolicySet.class);
    set.getMetadata().setName(name);
    set.getMetadata().setNamespace(namespace);
    set.getMetadata().setUid(null);
    set.getMetadata().setGeneration(null);
    set.getMetadata().setCreationTimestamp(null);
    if (names.length > 0) {
      set.getSpec().getTableSelector().setNames(List.of(names));
    }
    return client.resource(set).create();
  }

  private static List<String> generatedTables(ContinuousBackupsPolicySet set) {
    return client
        .resources(ContinuousBackupsPolicy.class)
        .inNamespace(set.getMetadata().getNamespace())
        .withLabel(GeneratedPolicies.SET_LABEL, set.getMetadata().getName())
        .list()
        .getItems()
        .stream()
        .filter(p -> !p.isMarkedForDeletion())
        .map(p -> p.getSpec().getTableName())
        .toList();
  }

  private static boolean ready(ContinuousBackupsPolicySetStatus status) {
    return status.getConditions().stream()
        .filter(c -> PolicyStatusBuilder.READY.equals(c.getType()))
        .map(Condition::getStatus)
        .anyMatch("True"::equals);
  }

  private static ContinuousBackupsPolicySetStatus awaitSet(
      String namespace, String name, Predicate<ContinuousBackupsPolicySetStatus> condition) {
    try {
      return await()
          .atMost(CONVERGENCE)
          .until(
              () ->
                  client
                      .resources(ContinuousBackupsPolicySet.class)
                      .inNamespace(namespace)
                      .withName(name)
                      .get()
                      .getStatus(),
              status ->
                  status != null
                      && status.getSelected() != null
                      && status.getConditions() != null
                      && condition.test(status));
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(
          namespace
              + "/"
              + name
              + " did not get there; it is:\n"
              + client
                  .getKubernetesSerialization()
                  .asYaml(
                      client
                          .resources(ContinuousBackupsPolicySet.class)
                          .inNamespace(namespace)
                          .withName(name)
                          .get()),
          e);
    }
  }
}

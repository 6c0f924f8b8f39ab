package io.pitr.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pitr.emulator.AssumableRole;
import io.pitr.emulator.Observations.RequestRecord;
import io.pitr.emulator.Operation;
import io.pitr.emulator.Scope;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicy;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicySet;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicySetStatus;
import io.pitr.operator.api.v1alpha1.DeletionPolicy;
import io.pitr.operator.api.v1alpha1.DynamoDbAccountBinding;
import io.pitr.operator.sets.GeneratedPolicies;
import io.pitr.operator.testing.CustomResourceDefinitions;
import io.pitr.operator.testing.Fixtures;
import io.pitr.operator.testing.OperatorUnderTest;
import io.pitr.operator.testing.Policies;
import io.pitr.operator.testing.RealKubeApiServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.PointInTimeRecoveryDescription;

/**
 * The packaged operator with tenancy on (the chart's tenancy.enabled and its RBAC), against an
 * emulator that answers STS: the README's example bindings decide which namespace may manage which
 * table in which account, observed through the API server and the emulator's request log per
 * account. Stalled policies are looked at again only hourly here (pitr.retry.stalled, and a drift
 * interval of an hour), so a policy that moves on within seconds was woken by the binding or
 * namespace change itself.
 */
@ExtendWith(RealKubeApiServer.class)
class TenancyIT {

  static final String OWN_ACCOUNT = "111111111111";
  static final String PAYMENTS_ACCOUNT = "222222222222";
  static final String REGION = "eu-west-1";
  static final String PAYMENTS = "payments";
  static final String ANALYTICS = "analytics-prod";
  static final String WEB = "web";
  static final Path EXAMPLES = Path.of("deploy", "examples", "tenancy");
  static final String ROLE = "arn:aws:iam::222222222222:role/pitr-operator";

  private static KubernetesClient client;
  private static OperatorUnderTest under;
  private static Policies policies;

  @BeforeAll
  static void start(KubernetesClient kubernetesClient) {
    client = kubernetesClient;
    CustomResourceDefinitions.installDynamoDbAccountBinding(client);
    namespace(PAYMENTS, Map.of());
    namespace(ANALYTICS, Map.of("team", "analytics"));
    namespace(WEB, Map.of("team", "web"));
    under =
        OperatorUnderTest.start(
            client,
            "tenancy",
            new Scope(OWN_ACCOUNT, REGION),
            values ->
                values.tenancy().driftInterval("1h").watchNamespaces(PAYMENTS, ANALYTICS, WEB));
    policies = under.policies();
    under
        .emulator()
        .registerRole(new AssumableRole(ROLE, "pitr-operator-payments-prod", Set.of(OWN_ACCOUNT)));
    for (String example : List.of("payments-binding.yaml", "analytics-binding.yaml")) {
      client.resource(binding(example)).serverSideApply();
    }
  }

  @AfterAll
  static void stop() {
    if (under != null) {
      under.close();
    }
    if (client != null) {
      client.resources(DynamoDbAccountBinding.class).delete();
    }
  }

  @AfterEach
  void cleanUp() {
    for (String namespace : List.of(PAYMENTS, ANALYTICS, WEB)) {
      policies.deleteAll(namespace);
    }
  }

  @Test
  void aPolicyReachesItsBindingsAccountThroughTheRoleWithSessionTagsNamingIt() {
    under.emulator().createTable(new Scope(PAYMENTS_ACCOUNT, REGION), "payments-ledger");

    ContinuousBackupsPolicy ready =
        policies.awaitReady(
            client.resource(policy("payments-ledger.yaml")).inNamespace(PAYMENTS).create());

    assertThat(ready.getStatus().getAccountId()).isEqualTo(PAYMENTS_ACCOUNT);
    assertThat(ready.getStatus().getAccountBinding()).isEqualTo("payments-prod");
    assertThat(ready.getStatus().getTableArn())
        .isEqualTo("arn:aws:dynamodb:eu-west-1:222222222222:table/payments-ledger");
    assertThat(Policies.period(ready)).isEqualTo(35);
    List<RequestRecord> assumed = assumeRoles("payments.payments-ledger");
    assertThat(assumed).as("one session for the policy").hasSize(1);
    assertThat(assumed.get(0).assumeRole().roleSessionName()).isEqualTo("payments.payments-ledger");
    assertThat(assumed.get(0).assumeRole().sessionTags())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("pitr-namespace", PAYMENTS, "pitr-policy", "payments-ledger"));
    assertThat(assumed.get(0).assumeRole().externalIdMatched()).isTrue();
    assertThat(tableCalls("payments-ledger"))
        .as("exactly one Update, in the role's account, with the role's session")
        .singleElement()
        .satisfies(
            update -> {
              assertThat(update.operation()).isEqualTo("UpdateContinuousBackups");
              assertThat(update.accountId()).isEqualTo(PAYMENTS_ACCOUNT);
              assertThat(update.roleArn()).isEqualTo(ROLE);
            });
  }

  @Test
  void aPolicySetListsItsBindingsAccountThroughTheRoleAndKeepsToItsPatterns() {
    Scope payments = new Scope(PAYMENTS_ACCOUNT, REGION);
    under.emulator().createTable(payments, "payments-cards");
    under.emulator().createTable(payments, "invoices");
    ContinuousBackupsPolicySet set =
        Fixtures.load("sets/prod-tables.yaml", ContinuousBackupsPolicySet.class);
    set.getMetadata().setNamespace(PAYMENTS);
    set.getMetadata().setName("payments-tables");
    set.getMetadata().setUid(null);
    set.getMetadata().setCreationTimestamp(null);
    set.getMetadata().setGeneration(null);
    set.getSpec().setRegion(REGION);
    set.getSpec().getTableSelector().setMatchTags(null);
    set.getSpec().getTableSelector().setNames(List.of("payments-*", "invoices"));
    ContinuousBackupsPolicySet created = client.resource(set).create();
    try {
      ContinuousBackupsPolicySetStatus status =
          await()
              .atMost(Duration.ofSeconds(30))
              .until(
                  () -> client.resource(created).get().getStatus(),
                  s -> s.getSelected() != null && s.getSelected() == 1 && s.getReady() == 1);

      assertThat(status.getExcludedTables())
          .singleElement()
          .satisfies(
              excluded -> {
                assertThat(excluded.getTableName()).isEqualTo("invoices");
                assertThat(excluded.getReason()).isEqualTo("NotPermitted");
                assertThat(excluded.getMessage()).contains("does not allow table invoices");
              });
      ContinuousBackupsPolicy generated =
          policies.get(PAYMENTS, GeneratedPolicies.name("payments-tables", "payments-cards"));
      assertThat(generated.getStatus().getAccountId()).isEqualTo(PAYMENTS_ACCOUNT);
      assertThat(requests(r -> r.operation().equals("ListTables")))
          .as("listed in the binding's account, with the role")
          .isNotEmpty()
          .allSatisfy(
              list -> {
                assertThat(list.accountId()).isEqualTo(PAYMENTS_ACCOUNT);
                assertThat(list.roleArn()).isEqualTo(ROLE);
              });
      assertThat(assumeRoles("payments.payments-tables"))
          .as("the set's own session, tagged with its name")
          .isNotEmpty()
          .allSatisfy(
              assumed ->
                  assertThat(assumed.assumeRole().sessionTags())
                      .containsEntry("pitr-policy", "payments-tables"));
      assertThat(tableCalls("invoices")).as("a table the binding does not allow").isEmpty();
    } finally {
      client.resource(created).delete();
    }
  }

  @Test
  void aTableOutsideTheNamespacesPatternsIsStalledAndCostsNoAwsCall() {
    under.emulator().createTable(new Scope(PAYMENTS_ACCOUNT, REGION), "ledger");
    under.emulator().createTable(new Scope(OWN_ACCOUNT, REGION), "ledger");
    ContinuousBackupsPolicy outside = policy("payments-ledger.yaml");
    outside.getMetadata().setName("ledger");
    outside.getSpec().setTableName("ledger");

    client.resource(outside).inNamespace(PAYMENTS).create();
    Condition stalled =
        policies.awaitCondition(PAYMENTS, "ledger", "Stalled", "True", "NotPermitted");

    assertThat(stalled.getMessage())
        .isEqualTo(
            "No DynamoDbAccountBinding lets namespace payments manage table ledger in eu-west-1:"
                + " ask the cluster's administrators for one (kubectl get"
                + " dynamodbaccountbindings).");
    assertThat(policies.events(PAYMENTS, "ledger")).contains("NotPermitted");
    assertThat(tableCalls("ledger")).as("no call in any account").isEmpty();
    assertThat(assumeRoles("payments.ledger")).isEmpty();
  }

  @Test
  void aWrongExternalIdIsAssumeRoleDeniedAndNoDynamoDbCallIsMade() {
    DynamoDbAccountBinding wrong = binding("payments-binding.yaml");
    wrong.getMetadata().setName("payments-wrong-external-id");
    wrong.getSpec().getAssumeRole().setExternalId("not-the-one");
    client.resource(wrong).serverSideApply();
    under.emulator().createTable(new Scope(PAYMENTS_ACCOUNT, REGION), "payments-refunds");
    try {
      ContinuousBackupsPolicy named = policy("payments-ledger.yaml");
      named.getMetadata().setName("payments-refunds");
      named.getSpec().setTableName("payments-refunds");
      named.getSpec().setAccountBinding("payments-wrong-external-id");

      client.resource(named).inNamespace(PAYMENTS).create();
      Condition stalled =
          policies.awaitCondition(
              PAYMENTS, "payments-refunds", "Stalled", "True", "AssumeRoleDenied");

      assertThat(stalled.getMessage())
          .startsWith(
              "Could not assume the binding's role for table payments-refunds in eu-west-1 of"
                  + " account 222222222222: AccessDenied: User:")
          .contains("is not authorized to perform: sts:AssumeRole on resource: " + ROLE);
      assertThat(assumeRoles("payments.payments-refunds"))
          .allSatisfy(r -> assertThat(r.assumeRole().externalIdMatched()).isFalse())
          .isNotEmpty();
      assertThat(tableCalls("payments-refunds")).isEmpty();
    } finally {
      client.resource(wrong).delete();
    }
  }

  @Test
  void theSameTableNameInTwoAccountsIsNoConflict() {
    under.emulator().createTable(new Scope(PAYMENTS_ACCOUNT, REGION), "events");
    under.emulator().createTable(new Scope(OWN_ACCOUNT, REGION), "events");
    DynamoDbAccountBinding paymentsEvents = binding("payments-binding.yaml");
    paymentsEvents.getMetadata().setName("payments-events");
    paymentsEvents.getSpec().setTableNames(List.of("events"));
    client.resource(paymentsEvents).serverSideApply();
    try {
      ContinuousBackupsPolicy analytics = policy("analytics-events.yaml");
      ContinuousBackupsPolicy payments = policy("analytics-events.yaml");
      payments.getSpec().setAccountBinding(null);
      payments.getSpec().getPointInTimeRecoverySpecification().setRecoveryPeriodInDays(14);

      policies.awaitReady(client.resource(analytics).inNamespace(ANALYTICS).create());
      policies.awaitReady(client.resource(payments).inNamespace(PAYMENTS).create());

      assertThat(policies.get(ANALYTICS, "events").getStatus().getAccountId())
          .isEqualTo(OWN_ACCOUNT);
      assertThat(policies.get(PAYMENTS, "events").getStatus().getAccountId())
          .isEqualTo(PAYMENTS_ACCOUNT);
      assertThat(periodIn(OWN_ACCOUNT, "events")).isEqualTo(7);
      assertThat(periodIn(PAYMENTS_ACCOUNT, "events")).isEqualTo(14);
      assertThat(
              tableCalls("events").stream()
                  .filter(r -> r.operation().equals("UpdateContinuousBackups"))
                  .map(RequestRecord::accountId)
                  .toList())
          .containsExactlyInAnyOrder(OWN_ACCOUNT, PAYMENTS_ACCOUNT);
    } finally {
      client.resource(paymentsEvents).delete();
    }
  }

  @Test
  void bindingsAndNamespaceLabelsDecideAtOnceWhenTheyChange() {
    under.emulator().createTable(new Scope(OWN_ACCOUNT, REGION), "analytics-clicks");
    ContinuousBackupsPolicy clicks = policy("analytics-events.yaml");
    clicks.getMetadata().setName("analytics-clicks");
    clicks.getSpec().setTableName("analytics-clicks");
    clicks.getSpec().setAccountBinding(null);
    client.resource(clicks).inNamespace(WEB).create();
    policies.awaitCondition(WEB, "analytics-clicks", "Stalled", "True", "NotPermitted");
    assertThat(tableCalls("analytics-clicks")).isEmpty();

    // The namespace joins the team: the binding's selector now picks it.
    namespace(WEB, Map.of("team", "analytics"));
    ContinuousBackupsPolicy ready =
        policies.awaitReady(WEB, "analytics-clicks", 1, Duration.ofSeconds(10));
    assertThat(ready.getStatus().getAccountBinding()).isEqualTo("analytics");

    // The binding goes: the policy that used it stops at once, and makes no call.
    DynamoDbAccountBinding analytics = binding("analytics-binding.yaml");
    client.resource(analytics).delete();
    try {
      policies.awaitCondition(WEB, "analytics-clicks", "Stalled", "True", "NotPermitted");
      long calls = tableCalls("analytics-clicks").size();
      under
          .outOfBand()
          .updateContinuousBackups(
              r ->
                  r.tableName("analytics-clicks")
                      .pointInTimeRecoverySpecification(s -> s.pointInTimeRecoveryEnabled(false)));
      // A requested look while refused: done (status says so) without an AWS call.
      policies.edit(
          WEB,
          "analytics-clicks",
          p ->
              p.getMetadata()
                  .setAnnotations(
                      Map.of(ContinuousBackupsPolicyReconciler.RECONCILE_REQUESTED_AT, "now")));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> policies.get(WEB, "analytics-clicks").getStatus().getLastHandledReconcileAt(),
              "now"::equals);
      assertThat(tableCalls("analytics-clicks")).hasSize((int) calls);
    } finally {
      namespace(WEB, Map.of("team", "web"));
      client.resource(analytics).serverSideApply();
    }
  }

  @Test
  void aPolicyPermittedOnlyLaterDoesNotTakeTheTableFromThePolicyManagingIt() {
    under.emulator().createTable(new Scope(OWN_ACCOUNT, REGION), "analytics-views");
    // Created first, while namespace web may not manage the table: it asks to turn PITR off.
    ContinuousBackupsPolicy early = policy("analytics-events.yaml");
    early.getMetadata().setName("views");
    early.getSpec().setTableName("analytics-views");
    early.getSpec().setAccountBinding(null);
    early.getSpec().getPointInTimeRecoverySpecification().setPointInTimeRecoveryEnabled(false);
    early.getSpec().getPointInTimeRecoverySpecification().setRecoveryPeriodInDays(null);
    early.getSpec().setAcknowledgeRestorePointLoss("test: views retired");
    client.resource(early).inNamespace(WEB).create();
    policies.awaitCondition(WEB, "views", "Stalled", "True", "NotPermitted");
    ContinuousBackupsPolicy manager = policy("analytics-events.yaml");
    manager.getMetadata().setName("views");
    manager.getSpec().setTableName("analytics-views");
    policies.awaitReady(client.resource(manager).inNamespace(ANALYTICS).create());
    int managerCalls = tableCalls("analytics-views").size();

    namespace(WEB, Map.of("team", "analytics"));
    try {
      Condition conflict = policies.awaitCondition(WEB, "views", "Stalled", "True", "Conflict");

      assertThat(conflict.getMessage()).contains("is managed by analytics-prod/views");
      assertThat(tableCalls("analytics-views"))
          .as("the table is left to its manager")
          .hasSize(managerCalls);
      assertThat(periodIn(OWN_ACCOUNT, "analytics-views")).isEqualTo(7);

      // When the manager goes, the policy standing by succeeds it, and its spec applies.
      policies.delete(ANALYTICS, "views");
      policies.awaitReady(WEB, "views", 1, Duration.ofSeconds(10));
      assertThat(pitrIn(OWN_ACCOUNT, "analytics-views")).isEqualTo("DISABLED");
    } finally {
      namespace(WEB, Map.of("team", "web"));
    }
  }

  @Test
  void aDisablePolicyThatMayNoLongerManageItsTableGoesWithoutTurningPitrOff() {
    under.emulator().createTable(new Scope(OWN_ACCOUNT, REGION), "analytics-orders");
    ContinuousBackupsPolicy policy = policy("analytics-events.yaml");
    policy.getMetadata().setName("orders");
    policy.getSpec().setTableName("analytics-orders");
    policy.getSpec().setDeletionPolicy(DeletionPolicy.Disable);
    policy.getSpec().setAcknowledgeRestorePointLoss("test: off on delete");
    policies.awaitReady(client.resource(policy).inNamespace(ANALYTICS).create());
    namespace(ANALYTICS, Map.of("team", "former-analytics"));
    try {
      policies.awaitCondition(ANALYTICS, "orders", "Stalled", "True", "NotPermitted");
      long updates =
          tableCalls("analytics-orders").stream()
              .filter(r -> r.operation().equals("UpdateContinuousBackups"))
              .count();

      policies.delete(ANALYTICS, "orders");
      policies.awaitGone(ANALYTICS, "orders");

      assertThat(
              tableCalls("analytics-orders").stream()
                  .filter(r -> r.operation().equals("UpdateContinuousBackups"))
                  .count())
          .isEqualTo(updates);
      assertThat(pitrIn(OWN_ACCOUNT, "analytics-orders")).isEqualTo("ENABLED");
      assertThat(client.events().v1().events().inNamespace(ANALYTICS).list().getItems())
          .filteredOn(e -> e.getRegarding() != null && "orders".equals(e.getRegarding().getName()))
          .extracting(e -> e.getReason() + ": " + e.getNote())
          .anySatisfy(
              note ->
                  assertThat(note)
                      .startsWith(
                          "NotPermitted: Point-in-time recovery left as it is although"
                              + " deletionPolicy is Disable: "));
    } finally {
      namespace(ANALYTICS, Map.of("team", "analytics"));
    }
  }

  /** The operator's calls naming {@code table}, in any account, with any credentials. */
  private static List<RequestRecord> tableCalls(String table) {
    return requests(
        r ->
            (r.operation().equals(Operation.UPDATE_CONTINUOUS_BACKUPS.apiName())
                    || r.operation().equals(Operation.DESCRIBE_CONTINUOUS_BACKUPS.apiName()))
                && table.equals(r.table())
                && !OperatorUnderTest.OUT_OF_BAND_ACCESS_KEY.equals(r.accessKeyId()));
  }

  /** The AssumeRole calls for one policy's session ({@code namespace.name}). */
  private static List<RequestRecord> assumeRoles(String sessionName) {
    return requests(
        r ->
            r.operation().equals("AssumeRole")
                && r.assumeRole() != null
                && sessionName.equals(r.assumeRole().roleSessionName()));
  }

  private static List<RequestRecord> requests(Predicate<RequestRecord> which) {
    return under.emulator().observations().requests().stream().filter(which).toList();
  }

  /** The table's recovery period, read in {@code account}. */
  private static Integer periodIn(String account, String table) {
    return describeIn(account, table).recoveryPeriodInDays();
  }

  /** The table's point-in-time recovery status, read in {@code account}. */
  private static String pitrIn(String account, String table) {
    return describeIn(account, table).pointInTimeRecoveryStatusAsString();
  }

  /** DescribeContinuousBackups in {@code account} (a 12-digit access key selects it). */
  private static PointInTimeRecoveryDescription describeIn(String account, String table) {
    try (DynamoDbClient dynamoDb =
        DynamoDbClient.builder()
            .endpointOverride(under.emulator().endpoint())
            .region(Region.of(REGION))
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create(account, "secret")))
            .build()) {
      return dynamoDb
          .describeContinuousBackups(r -> r.tableName(table))
          .continuousBackupsDescription()
          .pointInTimeRecoveryDescription();
    }
  }

  private static void namespace(String name, Map<String, String> labels) {
    client
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(labels)
                .endMetadata()
                .build())
        // A field manager of its own: the release's set-up applies the same namespaces without
        // labels, which with a shared manager would remove these.
        .fieldManager("tenancy-it")
        .forceConflicts()
        .serverSideApply();
  }

  private static DynamoDbAccountBinding binding(String file) {
    return Fixtures.load(EXAMPLES.resolve(file), DynamoDbAccountBinding.class);
  }

  private static ContinuousBackupsPolicy policy(String file) {
    return Fixtures.load(EXAMPLES.resolve(file), ContinuousBackupsPolicy.class);
  }
}

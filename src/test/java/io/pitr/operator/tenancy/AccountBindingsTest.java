package io.pitr.operator.tenancy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicy;
import io.pitr.operator.api.v1alpha1.DynamoDbAccountBinding;
import io.pitr.operator.api.v1alpha1.NamespaceSelector;
import io.pitr.operator.pitr.AwsAccess;
import io.pitr.operator.pitr.ConditionReason;
import io.pitr.operator.pitr.Outcome.NotReady;
import io.pitr.operator.tenancy.Tenancy.Claim;
import io.pitr.operator.tenancy.Tenancy.Permitted;
import io.pitr.operator.tenancy.Tenancy.Refused;
import io.pitr.operator.tenancy.Tenancy.Resolution;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Who may manage which table: the worked example of the README (deploy/examples/tenancy/). */
class AccountBindingsTest {

  private static final Path EXAMPLES = Path.of("deploy/examples/tenancy");

  private final List<DynamoDbAccountBinding> bindings =
      new ArrayList<>(
          List.of(
              example("payments-binding.yaml", DynamoDbAccountBinding.class),
              example("analytics-binding.yaml", DynamoDbAccountBinding.class)));
  private final Map<String, Map<String, String>> namespaceLabels =
      new HashMap<>(
          Map.of(
              "payments", Map.of(),
              "analytics-prod", Map.of("team", "analytics"),
              "web", Map.of("team", "web")));
  private Optional<String> ownAccount = Optional.of("111111111111");
  private final AccountBindings tenancy =
      new AccountBindings(
          () -> bindings, ns -> Optional.ofNullable(namespaceLabels.get(ns)), region -> ownAccount);

  @Test
  void aNamespaceNamedByABindingReachesItsAccountThroughItsRoleWithSessionTags() {
    ContinuousBackupsPolicy policy = example("payments-ledger.yaml", ContinuousBackupsPolicy.class);

    Resolution resolution = tenancy.resolve(claim("payments", policy));

    assertThat(resolution)
        .isEqualTo(
            new Permitted(
                new AwsAccess(
                    "222222222222",
                    Optional.of(
                        new AwsAccess.AssumedRole(
                            "arn:aws:iam::222222222222:role/pitr-operator",
                            "pitr-operator-payments-prod",
                            Optional.empty(),
                            "payments.payments-ledger",
                            Map.of(
                                AccountBindings.NAMESPACE_TAG,
                                "payments",
                                AccountBindings.POLICY_TAG,
                                "payments-ledger")))),
                Optional.of("payments-prod")));
  }

  @Test
  void aPolicySetListsThroughItsNamespacesBindingAndEachTableIsDecidedByItsPatterns() {
    Resolution scope =
        tenancy.resolveScope("payments", "payments-tables", "eu-west-1", Optional.empty());

    assertThat(scope).isInstanceOf(Permitted.class);
    Permitted permitted = (Permitted) scope;
    assertThat(permitted.bindingName()).contains("payments-prod");
    assertThat(permitted.access().accountId()).isEqualTo("222222222222");
    assertThat(permitted.access().role().orElseThrow().sessionTags())
        .containsEntry(AccountBindings.POLICY_TAG, "payments-tables");
    assertThat(tenancy.resolveScope("payments", "payments-tables", "us-east-1", Optional.empty()))
        .as("a region no binding allows")
        .isInstanceOfSatisfying(
            Refused.class,
            refused ->
                assertThat(refused.outcome().reason()).isEqualTo(ConditionReason.NotPermitted));
    assertThat(tenancy.resolveScope("web", "everything", "eu-west-1", Optional.empty()))
        .as("a namespace no binding applies to")
        .isInstanceOf(Refused.class);
    assertThat(
            Tenancy.off(region -> ownAccount)
                .resolveScope("web", "everything", "eu-west-1", Optional.of("payments-prod")))
        .as("tenancy off: no binding may be named")
        .isInstanceOf(Refused.class);
  }

  @Test
  void aNamespaceSelectedByItsLabelsUsesTheOperatorsOwnIdentityWhenTheBindingHasNoRole() {
    ContinuousBackupsPolicy policy =
        example("analytics-events.yaml", ContinuousBackupsPolicy.class);

    assertThat(tenancy.resolve(claim("analytics-prod", policy)))
        .isEqualTo(new Permitted(AwsAccess.own("111111111111"), Optional.of("analytics")));

    namespaceLabels.put("analytics-prod", Map.of("team", "web"));
    assertThat(tenancy.resolve(claim("analytics-prod", policy)))
        .isEqualTo(
            refused(
                ConditionReason.NotPermitted,
                "DynamoDbAccountBinding analytics (spec.accountBinding) does not apply to"
                    + " namespace analytics-prod."));
  }

  @Test
  void aTableOutsideEveryPatternIsNotPermittedAndSaysWhatToAskFor() {
    assertThat(tenancy.resolve(claim("payments", "orders", "eu-west-1", null)))
        .isEqualTo(
            refused(
                ConditionReason.NotPermitted,
                "No DynamoDbAccountBinding lets namespace payments manage table orders in"
                    + " eu-west-1: ask the cluster's administrators for one (kubectl get"
                    + " dynamodbaccountbindings)."));
  }

  @Test
  void aNamedBindingSaysWhichOfItsLimitsTheClaimIsOutside() {
    assertThat(tenancy.resolve(claim("payments", "payments-ledger", "us-east-1", "payments-prod")))
        .isEqualTo(
            refused(
                ConditionReason.NotPermitted,
                "DynamoDbAccountBinding payments-prod (spec.accountBinding) does not allow region"
                    + " us-east-1 (it allows [eu-west-1])."));
    assertThat(tenancy.resolve(claim("payments", "ledger", "eu-west-1", "payments-prod")))
        .isEqualTo(
            refused(
                ConditionReason.NotPermitted,
                "DynamoDbAccountBinding payments-prod (spec.accountBinding) does not allow table"
                    + " ledger (it allows [payments-*])."));
    assertThat(tenancy.resolve(claim("web", "payments-ledger", "eu-west-1", "payments-prod")))
        .isEqualTo(
            refused(
                ConditionReason.NotPermitted,
                "DynamoDbAccountBinding payments-prod (spec.accountBinding) does not apply to"
                    + " namespace web."));
    assertThat(tenancy.resolve(claim("payments", "payments-ledger", "eu-west-1", "gone")))
        .isEqualTo(
            refused(
                ConditionReason.NotPermitted,
                "DynamoDbAccountBinding gone (spec.accountBinding) does not exist."));
  }

  @Test
  void twoBindingsIntoDifferentAccountsAreAmbiguousUntilThePolicyNamesOne() {
    DynamoDbAccountBinding staging = copy(bindings.get(0), "payments-staging");
    staging.getSpec().setAccountId("333333333333");
    staging.getSpec().getAssumeRole().setRoleArn("arn:aws:iam::333333333333:role/pitr-operator");
    bindings.add(staging);

    assertThat(tenancy.resolve(claim("payments", "payments-ledger", "eu-west-1", null)))
        .isEqualTo(
            refused(
                ConditionReason.AmbiguousAccountBinding,
                "DynamoDbAccountBindings payments-prod (account 222222222222, role"
                    + " arn:aws:iam::222222222222:role/pitr-operator), payments-staging (account"
                    + " 333333333333, role arn:aws:iam::333333333333:role/pitr-operator) all let"
                    + " namespace payments manage table payments-ledger in eu-west-1: choose one"
                    + " with spec.accountBinding."));
    assertThat(
            tenancy.resolve(claim("payments", "payments-ledger", "eu-west-1", "payments-staging")))
        .isInstanceOfSatisfying(
            Permitted.class, p -> assertThat(p.access().accountId()).isEqualTo("333333333333"));
  }

  @Test
  void twoBindingsWithTheSameAccountAndRoleAreNoAmbiguity() {
    DynamoDbAccountBinding second = copy(bindings.get(0), "a-payments-copy");
    second.getSpec().getNamespaces().setNames(null);
    second
        .getSpec()
        .getNamespaces()
        .setSelector(
            Serialization.unmarshal(
                "matchExpressions: [{key: team, operator: DoesNotExist}]",
                NamespaceSelector.class));
    bindings.add(second);

    assertThat(tenancy.resolve(claim("payments", "payments-ledger", "eu-west-1", null)))
        .isInstanceOfSatisfying(
            Permitted.class,
            p -> assertThat(p.bindingName()).as("the first by name").contains("a-payments-copy"));
  }

  @Test
  void aPolicyIsNeverPointedAtAnotherAccountsTable() {
    Claim pinned = ledgerAppliedIn("999999999999", null);

    assertThat(tenancy.resolve(pinned))
        .isInstanceOfSatisfying(
            Refused.class,
            r -> {
              assertThat(r.outcome().reason()).isEqualTo(ConditionReason.AccountChanged);
              assertThat(r.outcome().message())
                  .startsWith(
                      "The policy manages table payments-ledger in account 999999999999"
                          + " (status.accountId), but its binding payments-prod now reaches"
                          + " account 222222222222.");
            });
  }

  @Test
  void withTenancyOffEveryPolicyUsesTheOperatorsIdentityAndANamedBindingIsRefused() {
    Tenancy off = Tenancy.off(region -> Optional.of("111111111111"));

    assertThat(off.resolve(claim("web", "orders", "eu-west-1", null)))
        .isEqualTo(new Permitted(AwsAccess.own(""), Optional.empty()));
    assertThat(off.resolve(claim("payments", "payments-ledger", "eu-west-1", "payments-prod")))
        .isInstanceOfSatisfying(
            Refused.class,
            r -> assertThat(r.outcome().reason()).isEqualTo(ConditionReason.NotPermitted));
  }

  @Test
  void turningTenancyOffNeverPointsAPolicyAtItsOwnAccountsTableOfTheSameName() {
    Claim appliedIn222 = ledgerAppliedIn("222222222222", "payments-prod");

    assertThat(Tenancy.off(region -> Optional.of("111111111111")).resolve(appliedIn222))
        .isInstanceOfSatisfying(
            Refused.class,
            r -> {
              assertThat(r.outcome().reason()).isEqualTo(ConditionReason.AccountChanged);
              assertThat(r.outcome().message()).contains("which is 111111111111");
            });
    assertThat(Tenancy.off(region -> Optional.empty()).resolve(appliedIn222))
        .as("an own account not known is not taken for the pinned one")
        .isInstanceOfSatisfying(
            Refused.class,
            r -> assertThat(r.outcome().reason()).isEqualTo(ConditionReason.AccountChanged));
    assertThat(Tenancy.off(region -> Optional.of("222222222222")).resolve(appliedIn222))
        .isEqualTo(new Permitted(AwsAccess.own(""), Optional.empty()));
  }

  @Test
  void aBindingWithoutARoleMustNameTheOperatorsOwnAccount() {
    ContinuousBackupsPolicy policy =
        example("analytics-events.yaml", ContinuousBackupsPolicy.class);

    ownAccount = Optional.of("000000000000");
    assertThat(tenancy.resolve(claim("analytics-prod", policy)))
        .isEqualTo(
            refused(
                ConditionReason.NotPermitted,
                "DynamoDbAccountBinding analytics has no assumeRole and names account"
                    + " 111111111111, but the operator's own identity is in account 000000000000:"
                    + " give the binding a role in its account, or correct accountId."));
    ownAccount = Optional.empty();
    assertThat(tenancy.resolve(claim("analytics-prod", policy)))
        .isInstanceOfSatisfying(
            Refused.class,
            r -> assertThat(r.outcome().reason()).isEqualTo(ConditionReason.AccountUnknown));
  }

  @Test
  void aPolicyThatWorksIsNotStalledByABindingAddedLaterThatAlsoFits() {
    DynamoDbAccountBinding staging = copy(bindings.get(0), "a-payments-staging");
    staging.getSpec().setAccountId("333333333333");
    staging.getSpec().getAssumeRole().setRoleArn("arn:aws:iam::333333333333:role/pitr-operator");
    bindings.add(staging);
    Claim applied = ledgerAppliedIn("222222222222", "payments-prod");

    assertThat(tenancy.resolve(applied))
        .isInstanceOfSatisfying(
            Permitted.class, p -> assertThat(p.bindingName()).contains("payments-prod"));
  }

  @Test
  void twoBindingsOfOneRoleWithDifferentExternalIdsAreAmbiguous() {
    DynamoDbAccountBinding rotated = copy(bindings.get(0), "payments-rotated");
    rotated.getSpec().getAssumeRole().setExternalId("pitr-operator-payments-2027");
    bindings.add(rotated);

    assertThat(tenancy.resolve(claim("payments", "payments-ledger", "eu-west-1", null)))
        .isInstanceOfSatisfying(
            Refused.class,
            r ->
                assertThat(r.outcome().reason())
                    .isEqualTo(ConditionReason.AmbiguousAccountBinding));
  }

  @Test
  void tableNamePatternsMatchWholeNamesWithStarAndQuestionMark() {
    assertThat(TableNamePattern.matches("payments-*", "payments-ledger")).isTrue();
    assertThat(TableNamePattern.matches("payments-*", "payments-")).isTrue();
    assertThat(TableNamePattern.matches("payments-*", "old-payments-ledger")).isFalse();
    assertThat(TableNamePattern.matches("ledger-??", "ledger-01")).isTrue();
    assertThat(TableNamePattern.matches("ledger-??", "ledger-1")).isFalse();
    assertThat(TableNamePattern.matches("a.b", "a.b")).isTrue();
    assertThat(TableNamePattern.matches("a.b*", "axb")).as("'.' is itself").isFalse();
    assertThat(TableNamePattern.matches("*", "arn:aws:dynamodb:eu-west-1:1:table/x"))
        .as("'*' stands for table-name characters only")
        .isFalse();
  }

  @Test
  void selectorsFollowTheApiServersSemantics() {
    NamespaceSelector selector =
        Serialization.unmarshal(
            """
            matchLabels: {team: a}
            matchExpressions:
              - {key: env, operator: In, values: [prod, staging]}
              - {key: frozen, operator: NotIn, values: ["true"]}
            """,
            NamespaceSelector.class);

    assertThat(LabelSelectors.matches(selector, Map.of("team", "a", "env", "prod"))).isTrue();
    assertThat(LabelSelectors.matches(selector, Map.of("team", "a", "env", "dev"))).isFalse();
    assertThat(LabelSelectors.matches(selector, Map.of("team", "b", "env", "prod"))).isFalse();
    assertThat(
            LabelSelectors.matches(selector, Map.of("team", "a", "env", "prod", "frozen", "true")))
        .isFalse();
    assertThat(LabelSelectors.matches(new NamespaceSelector(), Map.of()))
        .as("an empty selector selects everything")
        .isTrue();
  }

  @Test
  void sessionNamesFitStsAndStayUniqueWhenShortened() {
    String namespace = "n".repeat(63);
    String first = AccountBindings.sessionName(namespace, "policy-" + "x".repeat(60));
    String second = AccountBindings.sessionName(namespace, "policy-" + "y".repeat(60));

    assertThat(first).hasSize(64).matches("[\\w+=,.@-]+").isNotEqualTo(second);
    assertThat(AccountBindings.sessionName("team-a", "orders")).isEqualTo("team-a.orders");
  }

  private static Claim claim(String namespace, ContinuousBackupsPolicy policy) {
    return claim(
        namespace,
        policy.getSpec().getTableName(),
        policy.getSpec().getRegion(),
        policy.getSpec().getAccountBinding(),
        policy.getMetadata().getName());
  }

  private static Claim claim(String namespace, String table, String region, String binding) {
    return claim(namespace, table, region, binding, table);
  }

  private static Claim claim(
      String namespace, String table, String region, String binding, String name) {
    return new Claim(
        namespace,
        name,
        table,
        region,
        Optional.ofNullable(binding),
        Optional.empty(),
        Optional.empty());
  }

  /** payments/payments-ledger, once applied in {@code account} through {@code binding}. */
  private static Claim ledgerAppliedIn(String account, String binding) {
    return new Claim(
        "payments",
        "payments-ledger",
        "payments-ledger",
        "eu-west-1",
        Optional.empty(),
        Optional.of(account),
        Optional.ofNullable(binding));
  }

  private static Refused refused(ConditionReason reason, String message) {
    return new Refused(new NotReady(reason, message));
  }

  private static DynamoDbAccountBinding copy(DynamoDbAccountBinding binding, String name) {
    DynamoDbAccountBinding copy =
        Serialization.unmarshal(Serialization.asYaml(binding), DynamoDbAccountBinding.class);
    copy.getMetadata().setName(name);
    return copy;
  }

  private static <T> T example(String file, Class<T> type) {
    try (InputStream in = Files.newInputStream(EXAMPLES.resolve(file))) {
      return Serialization.unmarshal(in, type);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}

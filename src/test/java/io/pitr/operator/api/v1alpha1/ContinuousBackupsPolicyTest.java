package io.pitr.operator.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.pitr.operator.testing.Fixtures;
import org.junit.jupiter.api.Test;

/** The API types read and write the YAML users put in Git. */
class ContinuousBackupsPolicyTest {

  private final KubernetesSerialization serialization = new KubernetesSerialization();

  @Test
  void readsPolicyFromYaml() {
    var policy = Fixtures.load("policies/enabled-14-days.yaml", ContinuousBackupsPolicy.class);

    assertThat(policy.getApiVersion()).isEqualTo("dynamodb.pitr.io/v1alpha1");
    assertThat(policy.getKind()).isEqualTo("ContinuousBackupsPolicy");
    assertThat(policy.getSpec().getTableName()).isEqualTo("orders");
    assertThat(policy.getSpec().getPointInTimeRecoverySpecification())
        .returns(true, PointInTimeRecoverySpecification::getPointInTimeRecoveryEnabled)
        .returns(14, PointInTimeRecoverySpecification::getRecoveryPeriodInDays);
  }

  @Test
  void omittedPeriodStaysAbsentInsteadOfBecomingAValue() {
    var policy = Fixtures.load("policies/disabled.yaml", ContinuousBackupsPolicy.class);

    String yaml = serialization.asYaml(policy);

    assertThat(policy.getSpec().getPointInTimeRecoverySpecification().getRecoveryPeriodInDays())
        .isNull();
    assertThat(yaml).doesNotContain("recoveryPeriodInDays");
  }

  @Test
  void survivesRoundTrip() {
    var policy = Fixtures.load("policies/enabled-14-days.yaml", ContinuousBackupsPolicy.class);

    var copy = serialization.unmarshal(serialization.asYaml(policy), ContinuousBackupsPolicy.class);

    assertThat(copy).usingRecursiveComparison().isEqualTo(policy);
  }
}

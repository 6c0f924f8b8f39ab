package io.pitr.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicy;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicyStatus;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which updates of a policy reach the reconciler. */
class PolicyUpdateFilterTest {

  private final PolicyUpdateFilter filter = new PolicyUpdateFilter();
  private final ContinuousBackupsPolicy old = policy(3, Map.of("team", "a"));

  @Test
  void aNewSpecTheStartOfDeletionAndANewRequestAreReconciled() {
    ContinuousBackupsPolicy deleting = policy(3, Map.of("team", "a"));
    deleting.getMetadata().setDeletionTimestamp("2026-11-25T10:00:00Z");

    assertThat(filter.accept(policy(4, Map.of("team", "a")), old)).isTrue();
    assertThat(filter.accept(deleting, old)).isTrue();
    assertThat(
            filter.accept(
                policy(3, Map.of(ContinuousBackupsPolicyReconciler.RECONCILE_REQUESTED_AT, "1")),
                old))
        .isTrue();
  }

  @Test
  void statusLabelsOtherAnnotationsAndAnUnchangedRequestAreNot() {
    ContinuousBackupsPolicy withStatus = policy(3, Map.of("team", "a"));
    withStatus.setStatus(new ContinuousBackupsPolicyStatus());
    ContinuousBackupsPolicy relabelled = policy(3, Map.of("team", "a"));
    relabelled.getMetadata().setLabels(Map.of("tier", "gold"));
    ContinuousBackupsPolicy requested =
        policy(3, Map.of(ContinuousBackupsPolicyReconciler.RECONCILE_REQUESTED_AT, "1"));

    assertThat(filter.accept(withStatus, old)).isFalse();
    assertThat(filter.accept(relabelled, old)).isFalse();
    assertThat(filter.accept(policy(3, Map.of("team", "b")), old)).isFalse();
    assertThat(
            filter.accept(
                policy(
                    3,
                    Map.of(
                        ContinuousBackupsPolicyReconciler.RECONCILE_REQUESTED_AT, "1", "x", "y")),
                requested))
        .isFalse();
  }

  private static ContinuousBackupsPolicy policy(long generation, Map<String, String> annotations) {
    ContinuousBackupsPolicy policy = new ContinuousBackupsPolicy();
    policy.setMetadata(
        new ObjectMetaBuilder()
            .withName("orders")
            .withNamespace("team-a")
            .withGeneration(generation)
            .withAnnotations(annotations)
            .build());
    return policy;
  }
}

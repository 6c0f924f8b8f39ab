package io.pitr.operator.sets;

import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicy;
import io.pitr.operator.status.PolicyStatusBuilder;
import java.util.Objects;
import java.util.Optional;

/**
 * Which changes of a generated policy its set needs to hear of: its spec (generation), the start of
 * its deletion, and its Ready or Stalled condition, which the set counts. Not the rest of its
 * status (drift checks, restore windows), which would wake the set for nothing.
 */
final class GeneratedPolicyChange {

  private GeneratedPolicyChange() {}

  static boolean matters(ContinuousBackupsPolicy updated, ContinuousBackupsPolicy old) {
    return !Objects.equals(updated.getMetadata().getGeneration(), old.getMetadata().getGeneration())
        || updated.isMarkedForDeletion() != old.isMarkedForDeletion()
        || !summary(updated).equals(summary(old));
  }

  private static String summary(ContinuousBackupsPolicy policy) {
    return state(policy, PolicyStatusBuilder.READY) + state(policy, PolicyStatusBuilder.STALLED);
  }

  private static String state(ContinuousBackupsPolicy policy, String type) {
    Optional<io.fabric8.kubernetes.api.model.Condition> condition =
        PolicyStatusBuilder.condition(policy.getStatus(), type);
    return condition.map(c -> c.getStatus() + "@" + c.getObservedGeneration()).orElse("-") + ";";
  }
}

package io.pitr.operator.status;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.pitr.operator.pitr.ConditionReason;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;

/** kstatus conditions as the operator writes them, for policies and policy sets alike. */
public final class Conditions {

  private Conditions() {}

  /**
   * A condition of this generation whose lastTransitionTime is the previous one's when its status
   * did not flip, so that rewriting the same state moves nothing.
   */
  public static Condition condition(
      List<Condition> previous,
      String type,
      boolean status,
      ConditionReason reason,
      String message,
      long generation,
      Instant now) {
    String statusText = status ? "True" : "False";
    String transition =
        previous.stream()
            .filter(c -> type.equals(c.getType()) && statusText.equals(c.getStatus()))
            .map(Condition::getLastTransitionTime)
            .filter(Conditions::readable)
            .findFirst()
            .orElse(now.truncatedTo(ChronoUnit.SECONDS).toString());
    return new ConditionBuilder()
        .withType(type)
        .withStatus(statusText)
        .withReason(reason.name())
        .withMessage(PolicyStatusBuilder.bounded(message))
        .withObservedGeneration(generation)
        .withLastTransitionTime(transition)
        .build();
  }

  private static boolean readable(String time) {
    if (time == null) {
      return false;
    }
    try {
      Instant.parse(time);
      return true;
    } catch (DateTimeParseException e) {
      return false;
    }
  }
}

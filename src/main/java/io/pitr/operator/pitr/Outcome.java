package io.pitr.operator.pitr;

/**
 * Where a policy stands after a reconciliation: in sync with DynamoDB, observed to differ (observe
 * only), or not ready, and why.
 */
public sealed interface Outcome {

  /** The Ready condition's reason. */
  ConditionReason reason();

  /** The Ready condition's message, for a person. */
  String message();

  /** DynamoDB matches the spec; this is what it reported. */
  record Synced(ObservedPitr observed) implements Outcome {

    @Override
    public ConditionReason reason() {
      return ConditionReason.InSync;
    }

    @Override
    public String message() {
      return "Point-in-time recovery is " + observed.describe() + ", as specified.";
    }
  }

  /** Observe only: DynamoDB differs from the spec, and nothing was changed. */
  record Drifted(ObservedPitr observed, DesiredPitr desired) implements Outcome {

    @Override
    public ConditionReason reason() {
      return ConditionReason.DriftObserved;
    }

    @Override
    public String message() {
      return "Observe only: point-in-time recovery is "
          + observed.describe()
          + ", where the spec asks for "
          + desired.describe()
          + "; nothing was changed.";
    }
  }

  /** DynamoDB does not (yet) match the spec, for this reason. */
  record NotReady(ConditionReason reason, String message) implements Outcome {
    public NotReady {
      if (reason.kind() != ConditionReason.Kind.WAITING
          && reason.kind() != ConditionReason.Kind.STALLED) {
        throw new IllegalArgumentException(reason + " is not a reason for not being ready");
      }
    }
  }
}

package io.pitr.operator.pitr;

/**
 * The one list of reasons the operator reports, in conditions and in Kubernetes Events. Names are
 * part of the API: users alert on them.
 */
public enum ConditionReason {
  /** DynamoDB matches the spec. Ready=True. */
  InSync(Kind.READY),
  /**
   * Observe only: DynamoDB differs from the spec, and the operator, asked only to observe, changed
   * nothing. Ready=True (observing is all it was asked to do), Compliant=False.
   */
  DriftObserved(Kind.READY),
  /** The table does not exist (yet) in the account and region; re-checked at a low rate. */
  TableNotFound(Kind.WAITING),
  /** DynamoDB is still enabling continuous backups for a new table; retried shortly. */
  BackupsNotYetAvailable(Kind.WAITING),
  /** DynamoDB reports a point-in-time recovery status that is still changing. */
  PitrStatusChanging(Kind.WAITING),
  /** DynamoDB throttled the operator; retried with backoff. */
  Throttled(Kind.WAITING),
  /** DynamoDB failed on its side (HTTP 5xx); retried with backoff. */
  AwsServerError(Kind.WAITING),
  /** The DynamoDB endpoint could not be reached, or did not answer in time; retried. */
  EndpointUnreachable(Kind.WAITING),
  /**
   * The operator's AWS credentials could not be loaded, had expired, or were refused for their
   * signature's time (clock skew); retried with backoff, as they usually recover by themselves.
   */
  CredentialsUnavailable(Kind.WAITING),
  /** The operator's AWS identity may not do what the policy needs; waits for a fix. */
  AccessDenied(Kind.STALLED),
  /**
   * With tenancy on, the policy's binding has no role, so the operator's own identity must be in
   * the binding's account, and the operator does not know its own account yet (STS
   * GetCallerIdentity has not answered, and pitr.aws.account-id is not set); retried with backoff.
   */
  AccountUnknown(Kind.WAITING),
  /**
   * The operator could not assume the IAM role of the policy's account binding (STS refused: trust
   * policy, ExternalId, session tags); waits for a fix.
   */
  AssumeRoleDenied(Kind.STALLED),
  /**
   * With tenancy on, no account binding lets the policy's namespace manage its table in its region
   * (or the one it names does not); no AWS call is made.
   */
  NotPermitted(Kind.STALLED),
  /** More than one account binding, in different accounts or with different roles, would do. */
  AmbiguousAccountBinding(Kind.STALLED),
  /**
   * The account bindings now put the table in another account than the one the policy manages it in
   * (status.accountId); the operator does not follow, so as not to act on another table.
   */
  AccountChanged(Kind.STALLED),
  /**
   * Making the table match the spec would delete restore points (turning point-in-time recovery
   * off, or shortening a period the restore points fill), and spec.acknowledgeRestorePointLoss has
   * no value the operator has not acted under yet; nothing is written until it has.
   */
  RestorePointLossNotAcknowledged(Kind.STALLED),
  /** The spec cannot be applied as written; waits for a change. */
  InvalidSpec(Kind.STALLED),
  /** Another policy already manages this table and region; this one stands by. */
  Conflict(Kind.STALLED),
  /**
   * Something other than DynamoDB failed: the Kubernetes API refused or failed a request, or the
   * operator met an object it cannot handle. Retried with backoff.
   */
  ReconciliationFailed(Kind.WAITING),
  /**
   * Condition RestoreWindowReduced=True: the restore points reach back less than the recovery
   * period (point-in-time recovery was turned on again, or the period lengthened), until they fill
   * it.
   */
  RestoreWindowFilling(Kind.INFO),
  /** Condition RestoreWindowReduced=False: the restore points reach back the whole period. */
  FullRestoreWindow(Kind.INFO),
  /** A policy set: the operator is listing the region's tables or reading their tags. */
  Discovering(Kind.WAITING),
  /** A policy set: its generated policies are being created, updated or deleted. */
  RollingOut(Kind.WAITING),
  /** A policy set: generated policies are not all Ready yet, and none is Stalled. */
  PoliciesNotReady(Kind.WAITING),
  /** A policy set: some of its generated policies are Stalled and need a person. */
  PoliciesStalled(Kind.STALLED),
  /** Event only: a policy set selected tables (and generated their policies). */
  TablesSelected(Kind.EVENT),
  /** Event only: a policy set no longer selects tables (and deleted their policies). */
  TablesReleased(Kind.EVENT),
  /** Event only: the operator changed the table's PITR to match the spec. */
  Applied(Kind.EVENT),
  /** Event only: PITR had been changed outside the operator and was set back. */
  DriftCorrected(Kind.EVENT),
  /** Event only: PITR was turned off because a policy with deletionPolicy Disable was deleted. */
  DisabledOnDelete(Kind.EVENT),
  /**
   * Event only: a policy with deletionPolicy Disable was deleted while another policy names the
   * same table; PITR was left as it is for that policy to manage.
   */
  HandedOver(Kind.EVENT);

  /** How a reason shows in conditions. */
  public enum Kind {
    /** Ready=True. */
    READY,
    /** Ready=False and Reconciling=True: the operator keeps trying by itself. */
    WAITING,
    /** Ready=False and Stalled=True: progress needs a change from a person. */
    STALLED,
    /** Used for events, never as a condition reason. */
    EVENT,
    /** Used in a condition that informs (RestoreWindowReduced), never in Ready. */
    INFO
  }

  private final Kind kind;

  ConditionReason(Kind kind) {
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }

  /** Whether a policy (not only a policy set) can have the reason. */
  public boolean ofPolicies() {
    return switch (this) {
      case Discovering,
          RollingOut,
          PoliciesNotReady,
          PoliciesStalled,
          TablesSelected,
          TablesReleased ->
          false;
      default -> true;
    };
  }

  /** Whether the reason can be the Ready condition's. */
  public boolean readiness() {
    return kind == Kind.READY || kind == Kind.WAITING || kind == Kind.STALLED;
  }
}

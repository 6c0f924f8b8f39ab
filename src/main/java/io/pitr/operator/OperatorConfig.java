package io.pitr.operator;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/** The operator's configuration: {@code pitr.*} properties or {@code PITR_*} variables. */
@ConfigMapping(prefix = "pitr")
public interface OperatorConfig {

  /** How to reach AWS. */
  Aws aws();

  /** Drift detection. */
  Drift drift();

  /** Finding the tables policy sets select from. */
  Discovery discovery();

  /** Waiting and retrying. */
  Retry retry();

  /** What goes into status. */
  Status status();

  /** Leader election, so that more than one replica can run (one works, the others wait). */
  LeaderElection leaderElection();

  /** Who may manage which table, in which account. */
  Tenancy tenancy();

  /** ContinuousBackupsPolicySets: one generated policy per selected table. */
  PolicySets policySets();

  /** ContinuousBackupsPolicySets. */
  interface PolicySets {
    /**
     * How many generated policies all sets together create, change or delete per second: a new set
     * of 10,000 tables, or a template change to all of them, rolls out in 10,000 / this seconds.
     * The policies' own AWS calls are bounded by the AWS budgets anyway; this bounds the writes to
     * the Kubernetes API server.
     */
    @WithDefault("20")
    double writesPerSecond();

    /** How often a set is looked at when nothing wakes it (discovery and policy changes do). */
    @WithDefault("10m")
    Duration resync();
  }

  /** Tenancy: DynamoDbAccountBindings decide who may manage which table, in which account. */
  interface Tenancy {
    /**
     * On: a policy acts only through a DynamoDbAccountBinding that applies to its namespace and
     * allows its table and region (assuming the binding's role, if it has one); any other policy is
     * Stalled (NotPermitted) and makes no AWS call. Off (the default, for a cluster whose policy
     * authors may all manage every table the operator's identity reaches): every policy acts with
     * the operator's own identity, bindings are not read, and a policy that names one is Stalled.
     */
    @WithDefault("false")
    boolean enabled();
  }

  /** AWS access. */
  interface Aws {
    /**
     * Region of policies without spec.region. When unset, the AWS SDK's default region chain
     * (AWS_REGION, profile, instance metadata).
     */
    Optional<String> region();

    /** A DynamoDB endpoint instead of AWS's: an emulator, moto, a VPC endpoint. */
    Optional<URI> endpointOverride();

    /**
     * An STS endpoint instead of the table's region's, for the account bindings' roles: an STS VPC
     * endpoint, or an emulator (the project's and moto answer STS on their DynamoDB port). Not
     * derived from the DynamoDB override, which may be a VPC endpoint that serves DynamoDB only.
     */
    Optional<URI> stsEndpointOverride();

    /** The account, for status.tableArn; looked up with STS when unset (not with an override). */
    Optional<String> accountId();

    /** TCP connect timeout for AWS calls. */
    @WithDefault("5s")
    Duration connectTimeout();

    /** Limit for one AWS call. */
    @WithDefault("20s")
    Duration callTimeout();

    /**
     * DescribeContinuousBackups calls per second per region, shared by all policies: 20% under the
     * 10 per second DynamoDB documents for the account, which other tools share.
     */
    @WithDefault("8")
    double describesPerSecond();

    /**
     * UpdateContinuousBackups calls per second per region, shared by all policies. DynamoDB
     * documents no rate for it; 4 is 20% under the 5 per second it documents for its other
     * control-plane writes of a table's settings (TagResource, UntagResource).
     */
    @WithDefault("4")
    double updatesPerSecond();

    /**
     * ListTables calls per second per region, for policy sets' table discovery. DynamoDB documents
     * no rate for it. A round needs one call per 100 tables, so 2 lists 10,000 tables in under a
     * minute, far ahead of the 8 tag reads per second their tags take, while leaving most of
     * whatever the account is allowed to the other tools that list its tables (consoles, Terraform,
     * inventories): a fifth of the 10 per second DynamoDB documents for its other control-plane
     * reads.
     */
    @WithDefault("2")
    double listTablesPerSecond();

    /**
     * ListTagsOfResource calls per second per region, for policy sets that select tables by tag:
     * 20% under the 10 per second DynamoDB documents for the account, which other tools share.
     */
    @WithDefault("8")
    double listTagsPerSecond();

    /**
     * This operator's share (above 0, at most 1) of all its budgets, when several operators
     * (shards) manage tables of one account: 0.5 each for two.
     */
    @WithDefault("1")
    double budgetShare();

    /**
     * How many calls to one region may wait for DynamoDB's answer at once; more wait their turn
     * without holding a reconciliation thread, so that a hanging region cannot take them all.
     */
    @WithDefault("10")
    int maxCallsInFlight();
  }

  /** Finding the tables of an account's region, and their tags, for policy sets. */
  interface Discovery {
    /**
     * How long after one ListTables round ends the next starts, so new tables are found within
     * about this. Half the drift interval, so that a new table goes unprotected no longer than
     * drift on an existing one may go unnoticed; and cheap: at 10,000 tables a round is 100 calls,
     * one every 3 s on average.
     */
    @WithDefault("5m")
    Duration interval();

    /**
     * How often the tags of a table a set selects by tag are read again, so a tag change is seen
     * within about this. Tags rarely change, and every re-read spends the account's
     * ListTagsOfResource rate: at 10,000 tables an hour is 2.8 reads per second, a third of the
     * budget. Stretched when the tables outgrow the budget: the re-reads plan on 80% of it, leaving
     * the rest for new tables.
     */
    @WithDefault("1h")
    Duration tagRefreshInterval();
  }

  /** Drift detection. */
  interface Drift {
    /** How often each policy's table is checked with DescribeContinuousBackups. */
    @WithDefault("10m")
    Duration interval();

    /** Spread of the checks, as a fraction of the interval. */
    @WithDefault("0.1")
    double jitter();

    /**
     * How old the last observation of a Ready policy's table may grow, while drift checks cannot
     * observe it (throttled, server errors, no answer, credentials), before the policy says Ready
     * False. Default: three drift intervals (as stretched for the number of policies); never less
     * than one.
     */
    Optional<Duration> staleAfter();
  }

  /** Waiting and retrying. */
  interface Retry {
    /**
     * First wait after a throttle, a server error, an unreachable endpoint or a failed
     * reconciliation; doubles each time.
     */
    @WithDefault("5s")
    Duration initialBackoff();

    /** Longest wait between retries of transient failures. */
    @WithDefault("5m")
    Duration maxBackoff();

    /** How often a missing table is looked for again. */
    @WithDefault("1m")
    Duration tableNotFound();

    /** How often a table whose backups are still being enabled is tried again. */
    @WithDefault("10s")
    Duration backupsNotYetAvailable();

    /**
     * How often a stalled policy (access denied, rejected request) is tried again, ±20%: by default
     * within 5 minutes; never less often than the drift interval.
     */
    @WithDefault("4m")
    Duration stalled();

    /** How often a policy in conflict checks whether the other policy is gone. */
    @WithDefault("30s")
    Duration conflict();
  }

  /** Leader election (active in the prod profile). */
  interface LeaderElection {
    /** Name of the Lease, in the operator's own namespace. */
    @WithDefault("pitr-operator-leader")
    String leaseName();

    /** Namespace of the Lease; in a cluster, the operator's own namespace when unset. */
    Optional<String> leaseNamespace();
  }

  /** What goes into status. */
  interface Status {
    /**
     * Rewrite continuousBackupsDescription (and its restorable times) at least this often even when
     * nothing else changed; 0 (the default) rewrites it only on change, so that a steady state
     * writes nothing to Kubernetes.
     */
    @WithDefault("0s")
    Duration refreshAfter();
  }
}

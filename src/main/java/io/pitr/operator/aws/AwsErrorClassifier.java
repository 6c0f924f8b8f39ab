package io.pitr.operator.aws;

import io.pitr.operator.pitr.ConditionReason;
import io.pitr.operator.pitr.TableRef;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sts.model.StsException;

/**
 * The one place where AWS failures are sorted, DynamoDB's and those of STS opening an account
 * binding's role session (which are told apart, see {@link #classifyAssumeRole}): waiting (the
 * table or its backups are not there yet), retryable (throttling, server errors, the network,
 * credentials that expired or could not be loaded, a clock the signature was refused for) or
 * needing a person (access, a request DynamoDB rejects). Branches on error codes and exception
 * types; the one exception is a missing credential, which the SDK reports only as a client
 * exception's text.
 */
public final class AwsErrorClassifier {

  private static final Set<String> THROTTLING_CODES =
      Set.of(
          "ThrottlingException",
          "Throttling",
          "ThrottledException",
          "RequestLimitExceeded",
          "TooManyRequestsException",
          "ProvisionedThroughputExceededException",
          "LimitExceededException",
          "RequestThrottled",
          "RequestThrottledException");
  private static final Set<String> ACCESS_CODES =
      Set.of(
          "AccessDeniedException",
          "AccessDenied",
          "UnrecognizedClientException",
          "IncompleteSignatureException",
          "MissingAuthenticationTokenException",
          "InvalidClientTokenId");

  /**
   * Credentials that stopped working by themselves: expired session credentials (web identity and
   * Pod Identity credentials are refreshed by the SDK, so the next call has new ones) and
   * signatures refused for their time (a skewed clock, which the SDK corrects from the answer).
   */
  private static final Set<String> CREDENTIAL_CODES =
      Set.of(
          "ExpiredTokenException",
          "ExpiredToken",
          "RequestExpired",
          "InvalidSignatureException",
          "SignatureDoesNotMatch");

  private static final Pattern ACCESS_KEY_ID =
      Pattern.compile("\\b(AKIA|ASIA|AROA)[A-Z0-9]{12,}\\b");
  private static final Pattern SIGNATURE = Pattern.compile("(?i)(signature|token)=[^,\\s]+");

  private AwsErrorClassifier() {}

  /** Classifies a failure of {@code operation} on {@code table}. */
  public static AwsCallFailed classify(String operation, TableRef table, SdkException failure) {
    return classify(
        operation,
        "table " + table.tableName(),
        "table " + table,
        "Table "
            + table.tableName()
            + " was not found in "
            + table.region()
            + (table.accountId().isEmpty() ? "" : " of account " + table.accountId())
            + ".",
        failure);
  }

  /**
   * Classifies a failure of {@code operation} on the tables of an account's region as a whole
   * (ListTables), which names no table.
   *
   * @param accountId the account; empty for the operator's own when it is not configured
   */
  public static AwsCallFailed classifyListing(
      String operation, String accountId, String region, SdkException failure) {
    String tables =
        "the tables of " + region + (accountId.isEmpty() ? "" : " of account " + accountId);
    return classify(
        operation,
        tables,
        tables,
        "DynamoDB found no " + tables + " for " + operation + ".",
        failure);
  }

  /**
   * @param target what the call was about, for messages ("table orders")
   * @param assumeTarget the same, with where it is, for a role session that could not be opened
   * @param notFound the message when DynamoDB answers that the resource does not exist
   */
  private static AwsCallFailed classify(
      String operation, String target, String assumeTarget, String notFound, SdkException failure) {
    StsException sts = stsFailure(failure);
    if (sts != null) {
      return classifyAssumeRole(assumeTarget, sts, failure);
    }
    if (failure instanceof AwsServiceException service && service.awsErrorDetails() != null) {
      String code = service.awsErrorDetails().errorCode();
      String awsMessage = service.awsErrorDetails().errorMessage();
      String detail = code + (awsMessage == null ? "" : ": " + sanitize(awsMessage));
      if ("TableNotFoundException".equals(code) || "ResourceNotFoundException".equals(code)) {
        return failed(ConditionReason.TableNotFound, notFound, failure);
      }
      if ("ContinuousBackupsUnavailableException".equals(code)) {
        return failed(
            ConditionReason.BackupsNotYetAvailable,
            "DynamoDB is still enabling continuous backups for " + target + ".",
            failure);
      }
      if (THROTTLING_CODES.contains(code) || service.statusCode() == 429) {
        return failed(
            ConditionReason.Throttled,
            "DynamoDB throttled " + operation + " (" + code + ").",
            failure);
      }
      if (CREDENTIAL_CODES.contains(code)) {
        return failed(
            ConditionReason.CredentialsUnavailable,
            operation + " on " + target + " was refused for its credentials: " + detail,
            failure);
      }
      if (ACCESS_CODES.contains(code) || service.statusCode() == 403) {
        return failed(
            ConditionReason.AccessDenied,
            operation + " on " + target + " was refused: " + detail,
            failure);
      }
      if (service.statusCode() >= 500) {
        return failed(
            ConditionReason.AwsServerError,
            "DynamoDB failed " + operation + ": " + detail,
            failure);
      }
      if ("ValidationException".equals(code)) {
        return failed(
            ConditionReason.InvalidSpec, "DynamoDB rejected " + operation + ": " + detail, failure);
      }
      return failed(
          ConditionReason.AwsServerError,
          "DynamoDB answered " + operation + " with " + detail,
          failure);
    }
    if (isNetworkFailure(failure)) {
      return failed(
          ConditionReason.EndpointUnreachable,
          "Could not reach DynamoDB for " + operation + ": " + rootMessage(failure),
          failure);
    }
    if (failure instanceof SdkClientException && mentionsCredentials(failure)) {
      return failed(
          ConditionReason.CredentialsUnavailable,
          "No usable AWS credentials for " + operation + ": " + rootMessage(failure),
          failure);
    }
    return failed(
        ConditionReason.EndpointUnreachable,
        operation + " failed before DynamoDB answered: " + rootMessage(failure),
        failure);
  }

  /**
   * STS refused or failed to open the role session a call needed: no DynamoDB call was made. Told
   * apart from DynamoDB's own answers, so that a trust policy or ExternalId problem is not taken
   * for a missing DynamoDB permission.
   */
  private static AwsCallFailed classifyAssumeRole(
      String target, StsException sts, SdkException failure) {
    String code = sts.awsErrorDetails() == null ? null : sts.awsErrorDetails().errorCode();
    String awsMessage = sts.awsErrorDetails() == null ? null : sts.awsErrorDetails().errorMessage();
    String detail = code + (awsMessage == null ? "" : ": " + sanitize(awsMessage));
    // Short, so that STS's own words (which name the role) fit in a condition's message.
    String context = "Could not assume the binding's role for " + target;
    if (THROTTLING_CODES.contains(code) || sts.statusCode() == 429) {
      return failed(
          ConditionReason.Throttled, context + ": STS throttled (" + code + ").", failure);
    }
    if (CREDENTIAL_CODES.contains(code)) {
      return failed(ConditionReason.CredentialsUnavailable, context + ": " + detail, failure);
    }
    if (sts.statusCode() >= 500) {
      return failed(ConditionReason.AwsServerError, context + ": STS failed: " + detail, failure);
    }
    // AccessDenied (trust policy, ExternalId, sts:TagSession), a malformed request, a region
    // where STS is disabled: a person has to fix the role or the binding.
    return failed(ConditionReason.AssumeRoleDenied, context + ": " + detail, failure);
  }

  private static StsException stsFailure(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof StsException sts) {
        return sts;
      }
      if (cause.getCause() == cause) {
        break;
      }
    }
    return null;
  }

  /** Removes anything credential-like from a message. */
  static String sanitize(String message) {
    String withoutKeys = ACCESS_KEY_ID.matcher(message).replaceAll("<access key id>");
    return SIGNATURE.matcher(withoutKeys).replaceAll("$1=<redacted>");
  }

  private static AwsCallFailed failed(ConditionReason reason, String message, Throwable cause) {
    return new AwsCallFailed(reason, message, cause);
  }

  private static boolean isNetworkFailure(Throwable failure) {
    if (failure instanceof ApiCallTimeoutException) {
      return true;
    }
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof IOException || cause instanceof UncheckedIOException) {
        return true;
      }
    }
    return false;
  }

  private static boolean mentionsCredentials(Throwable failure) {
    String message = failure.getMessage();
    return message != null && message.toLowerCase(Locale.ROOT).contains("credential");
  }

  private static String rootMessage(Throwable failure) {
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message =
        root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    return sanitize(message);
  }
}

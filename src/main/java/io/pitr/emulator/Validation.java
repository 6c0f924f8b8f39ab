package io.pitr.emulator;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Collects constraint violations of one request and turns them into DynamoDB's Coral-format
 * ValidationException (spec section 2.8), which STS words alike and answers as ValidationError. All
 * validation messages of the emulator are written here, so that their wording lives in one place.
 */
final class Validation {

  static final Pattern TABLE_NAME = Pattern.compile("[a-zA-Z0-9_.-]+");
  private static final int MAX_REPORTED = 10;

  private final List<String> violations = new ArrayList<>();

  /** A required member. */
  Validation required(Object value, String path) {
    if (value == null) {
      violations.add(item(null, path, "Member must not be null"));
    }
    return this;
  }

  /** A table name (3 to 255 of [a-zA-Z0-9_.-]), as the TableName shape and the server apply. */
  Validation tableName(String value, String path) {
    if (value == null) {
      return this;
    }
    length(value, path, 3, 255);
    return pattern(value, path, TABLE_NAME);
  }

  /** A string that must match {@code pattern} whole; the message shows the pattern as written. */
  Validation pattern(String value, String path, Pattern pattern) {
    if (value != null && !pattern.matcher(value).matches()) {
      violations.add(
          item(
              value, path, "Member must satisfy regular expression pattern: " + pattern.pattern()));
    }
    return this;
  }

  /**
   * A TableArn-typed member: a table's ARN (1 to 1024 characters) or its name, to which the server
   * still applies the name rules (spec section 2.8).
   */
  Validation tableNameOrArn(String value, String path) {
    if (value != null && value.startsWith("arn:")) {
      return length(value, path, 1, 1024);
    }
    return tableName(value, path);
  }

  Validation length(String value, String path, int min, int max) {
    if (value == null) {
      return this;
    }
    if (value.length() < min) {
      violations.add(item(value, path, "Member must have length greater than or equal to " + min));
    }
    if (value.length() > max) {
      violations.add(item(value, path, "Member must have length less than or equal to " + max));
    }
    return this;
  }

  Validation size(List<?> value, String path, int min, int max) {
    if (value == null) {
      return this;
    }
    if (value.size() < min) {
      violations.add(
          item(value.toString(), path, "Member must have length greater than or equal to " + min));
    }
    if (value.size() > max) {
      violations.add(
          item(value.toString(), path, "Member must have length less than or equal to " + max));
    }
    return this;
  }

  Validation range(Number value, String path, long min, long max) {
    if (value == null) {
      return this;
    }
    if (value.longValue() < min) {
      violations.add(
          item(value.toString(), path, "Member must have value greater than or equal to " + min));
    }
    if (value.longValue() > max) {
      violations.add(
          item(value.toString(), path, "Member must have value less than or equal to " + max));
    }
    return this;
  }

  Validation oneOf(String value, String path, List<String> allowed) {
    if (value != null && !allowed.contains(value)) {
      violations.add(
          item(value, path, "Member must satisfy enum value set: " + String.join(", ", allowed)));
    }
    return this;
  }

  /** Throws the collected violations, if any, as one ValidationException. */
  void throwIfInvalid() {
    if (violations.isEmpty()) {
      return;
    }
    List<String> reported = violations.subList(0, Math.min(violations.size(), MAX_REPORTED));
    String count =
        violations.size() == 1
            ? "1 validation error detected: "
            : violations.size() + " validation errors detected: ";
    throw AwsErrorType.VALIDATION.exception(count + String.join("; ", reported));
  }

  /** A ValidationException whose text is not in the generic Coral format. */
  static AwsErrorException invalid(String message) {
    return AwsErrorType.VALIDATION.exception(message);
  }

  /** Live DynamoDB's text for a recovery period sent with a disable (spec 3.3.4). */
  static AwsErrorException periodWithDisable() {
    return invalid(
        "Invalid Request: Cannot specify RecoveryPeriodInDays when disabling point-in-time"
            + " recovery.");
  }

  private static String item(String value, String path, String constraint) {
    String shown = value == null ? "null" : "'" + value + "'";
    return "Value " + shown + " at '" + path + "' failed to satisfy constraint: " + constraint;
  }
}

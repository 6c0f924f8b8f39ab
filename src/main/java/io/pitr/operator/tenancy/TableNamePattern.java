package io.pitr.operator.tenancy;

import java.util.regex.Pattern;

/**
 * A table name pattern of an account binding: '*' stands for any run of table-name characters (a-z,
 * A-Z, 0-9, '_', '-', '.'), '?' for one, everything else for itself; so no pattern matches an ARN
 * or anything else that is not a table name. Table names have no separators, so there is nothing
 * for a glob library's path rules to do.
 */
public final class TableNamePattern {

  private static final String NAME_CHARACTER = "[a-zA-Z0-9_.-]";

  private TableNamePattern() {}

  public static boolean matches(String pattern, String tableName) {
    if (pattern.indexOf('*') < 0 && pattern.indexOf('?') < 0) {
      return pattern.equals(tableName);
    }
    // Literal characters are quoted, so a pattern can never be read as a regular expression.
    StringBuilder regex = new StringBuilder();
    StringBuilder literal = new StringBuilder();
    for (char c : pattern.toCharArray()) {
      if (c == '*' || c == '?') {
        if (!literal.isEmpty()) {
          regex.append(Pattern.quote(literal.toString()));
          literal.setLength(0);
        }
        regex.append(c == '*' ? NAME_CHARACTER + "*" : NAME_CHARACTER);
      } else {
        literal.append(c);
      }
    }
    if (!literal.isEmpty()) {
      regex.append(Pattern.quote(literal.toString()));
    }
    return Pattern.matches(regex.toString(), tableName);
  }
}

package dev.stowage.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The vector selectors of a PromQL expression ({@code name{matchers}}, {@code name}, {@code
 * {matchers}}), each as text Prometheus can evaluate on its own, without range or offset. A small
 * scanner, not a parser: it skips string literals, numbers and durations, the label lists of {@code
 * by}/{@code without}/{@code on}/{@code ignoring}/{@code group_left}/{@code group_right}, function
 * names (an identifier followed by "("), aggregation operators, and the keyword operators. What is
 * left is a metric name. A query can return no series while every selector returns some (an {@code
 * unless} that empties it on purpose), but a misspelt metric or label value always makes one of its
 * selectors empty: that is what MonitoringE2E checks for alert expressions that are empty while all
 * is well.
 */
final class PromQlSelectors {

  private static final Set<String> LABEL_LIST_KEYWORDS =
      Set.of("by", "without", "on", "ignoring", "group_left", "group_right");
  private static final Set<String> AGGREGATIONS =
      Set.of(
          "sum",
          "min",
          "max",
          "avg",
          "group",
          "stddev",
          "stdvar",
          "count",
          "count_values",
          "bottomk",
          "topk",
          "quantile");
  private static final Set<String> KEYWORDS =
      Set.of("and", "or", "unless", "offset", "bool", "atan2", "inf", "nan", "start", "end");

  private PromQlSelectors() {}

  static List<String> of(String expr) {
    List<String> out = new ArrayList<>();
    int i = 0;
    int n = expr.length();
    while (i < n) {
      char c = expr.charAt(i);
      if (c == '"' || c == '\'' || c == '`') {
        i = skipString(expr, i);
      } else if (c == '#') {
        while (i < n && expr.charAt(i) != '\n') {
          i++;
        }
      } else if (Character.isDigit(c)
          || (c == '.' && i + 1 < n && Character.isDigit(expr.charAt(i + 1)))) {
        // A number or a duration (1h30m, 1e12): digits, letters and dots together.
        while (i < n && (Character.isLetterOrDigit(expr.charAt(i)) || expr.charAt(i) == '.')) {
          i++;
        }
      } else if (c == '[') {
        i = expr.indexOf(']', i) + 1; // a range or subquery: durations only
        if (i == 0) {
          throw new IllegalArgumentException("no ] after [ in: " + expr);
        }
      } else if (c == '{') {
        int end = closingBrace(expr, i);
        out.add(expr.substring(i, end));
        i = end;
      } else if (Character.isLetter(c) || c == '_' || c == ':') {
        int start = i;
        while (i < n
            && (Character.isLetterOrDigit(expr.charAt(i))
                || expr.charAt(i) == '_'
                || expr.charAt(i) == ':')) {
          i++;
        }
        String word = expr.substring(start, i);
        int next = skipSpace(expr, i);
        if (LABEL_LIST_KEYWORDS.contains(word)) {
          if (next < n && expr.charAt(next) == '(') {
            i = expr.indexOf(')', next) + 1;
          }
        } else if (KEYWORDS.contains(word) || AGGREGATIONS.contains(word)) {
          // an aggregation ("max by (x) (...)", "max(...)") is no metric name either
          // an operator; after offset comes a duration, which the number branch skips
        } else if (next < n && expr.charAt(next) == '(') {
          i = next; // a function or an aggregation
        } else if (next < n && expr.charAt(next) == '{') {
          int end = closingBrace(expr, next);
          out.add(word + expr.substring(next, end));
          i = end;
        } else {
          out.add(word);
        }
      } else {
        i++;
      }
    }
    return out;
  }

  private static int skipSpace(String s, int i) {
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
      i++;
    }
    return i;
  }

  private static int skipString(String s, int i) {
    char quote = s.charAt(i);
    i++;
    while (i < s.length() && s.charAt(i) != quote) {
      i += s.charAt(i) == '\\' && quote != '`' ? 2 : 1;
    }
    return i + 1;
  }

  private static int closingBrace(String s, int open) {
    int i = open + 1;
    while (i < s.length() && s.charAt(i) != '}') {
      char c = s.charAt(i);
      i = (c == '"' || c == '\'' || c == '`') ? skipString(s, i) : i + 1;
    }
    if (i >= s.length()) {
      throw new IllegalArgumentException("no } after { in: " + s);
    }
    return i + 1;
  }
}

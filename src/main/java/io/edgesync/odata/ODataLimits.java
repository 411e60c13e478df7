package io.edgesync.odata;

/**
 * Bounds on the size of a query option, so that a hostile query costs the parser and the database little.
 *
 * @param maxLength the longest accepted query option value, in characters
 * @param maxDepth the deepest accepted nesting of parentheses, function calls and unary operators
 * @param maxInListSize the most items accepted in one {@code in (...)} list
 */
public record ODataLimits(int maxLength, int maxDepth, int maxInListSize) {

    public static final int DEFAULT_MAX_LENGTH = 4096;
    public static final int DEFAULT_MAX_DEPTH = 32;
    public static final int DEFAULT_MAX_IN_LIST_SIZE = 1000;

    public ODataLimits {
        if (maxLength < 1 || maxDepth < 1 || maxInListSize < 1) {
            throw new IllegalArgumentException("OData limits must be positive: maxLength=" + maxLength
                    + ", maxDepth=" + maxDepth + ", maxInListSize=" + maxInListSize);
        }
    }

    public static ODataLimits defaults() {
        return new ODataLimits(DEFAULT_MAX_LENGTH, DEFAULT_MAX_DEPTH, DEFAULT_MAX_IN_LIST_SIZE);
    }
}

package engine

import (
	"math"
	"strconv"
	"strings"

	"github.com/switchboard-cc/switchboard/internal/flow"
)

// maxConditionDepth bounds the nesting of And/Or/Not, as the language does
// (5); deeper conditions are false rather than a stack risk.
const maxConditionDepth = 5

// evalCondition reports whether c holds for the action's result v.
//
// Equals compares the text exactly (as Connect does: "1" is not "01"); the
// Text* operators compare text exactly too. Number* operators parse both
// sides as decimal numbers and are false when either is not numeric. And, Or
// and Not take nested conditions (Not the first one) evaluated against the
// same value. An unknown operator is false.
func evalCondition(c flow.Condition, v string) bool {
	return eval(c, v, 0)
}

func eval(c flow.Condition, v string, depth int) bool {
	if depth > maxConditionDepth {
		return false
	}
	switch c.Operator {
	case flow.OpAnd:
		if len(c.Operands) == 0 {
			return false
		}
		for _, o := range c.Operands {
			if !evalOperand(o, v, depth) {
				return false
			}
		}
		return true
	case flow.OpOr:
		for _, o := range c.Operands {
			if evalOperand(o, v, depth) {
				return true
			}
		}
		return false
	case flow.OpNot:
		if len(c.Operands) != 1 {
			return false
		}
		return !evalOperand(c.Operands[0], v, depth)
	}
	if len(c.Operands) == 0 || c.Operands[0].Condition != nil {
		return false
	}
	return compare(c.Operator, v, c.Operands[0].Value)
}

// evalOperand evaluates a nested condition; a plain string operand under a
// combinator is read as Equals.
func evalOperand(o flow.Operand, v string, depth int) bool {
	if o.Condition != nil {
		return eval(*o.Condition, v, depth+1)
	}
	return v == o.Value
}

// compare applies one comparison operator: value op operand.
func compare(op, value, operand string) bool {
	switch op {
	case flow.OpEquals:
		return value == operand
	case flow.OpTextStartsWith:
		return strings.HasPrefix(value, operand)
	case flow.OpTextEndsWith:
		return strings.HasSuffix(value, operand)
	case flow.OpTextContains:
		return strings.Contains(value, operand)
	}
	a, ok1 := parseNumber(value)
	b, ok2 := parseNumber(operand)
	if !ok1 || !ok2 {
		return false
	}
	switch op {
	case flow.OpNumberGreaterThan:
		return a > b
	case flow.OpNumberGreaterOrEqualTo:
		return a >= b
	case flow.OpNumberLessThan:
		return a < b
	case flow.OpNumberLessOrEqualTo:
		return a <= b
	}
	return false
}

// parseNumber reads a decimal number, surrounding spaces allowed; NaN,
// infinities and hexadecimal are not numbers here.
func parseNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsAny(s, "xXpP_") {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

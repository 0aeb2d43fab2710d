package engine

import (
	"testing"

	"github.com/switchboard-cc/switchboard/internal/flow"
)

func cond(op string, operands ...any) flow.Condition {
	c := flow.Condition{Operator: op}
	for _, o := range operands {
		switch x := o.(type) {
		case string:
			c.Operands = append(c.Operands, flow.Operand{Value: x})
		case flow.Condition:
			c.Operands = append(c.Operands, flow.Operand{Condition: &x})
		}
	}
	return c
}

func TestEvalCondition(t *testing.T) {
	cases := []struct {
		name  string
		c     flow.Condition
		value string
		want  bool
	}{
		{"equals", cond("Equals", "1"), "1", true},
		{"equals is exact", cond("Equals", "1"), "01", false},
		{"starts", cond("TextStartsWith", "+44"), "+442079460000", true},
		{"ends", cond("TextEndsWith", "@example.com"), "a@example.com", true},
		{"contains", cond("TextContains", "gold"), "tier-gold-2", true},
		{"contains empty", cond("TextContains", ""), "x", true},
		{"greater", cond("NumberGreaterThan", "0"), "1", true},
		{"greater decimal", cond("NumberGreaterThan", "1.5"), "1.25", false},
		{"greater or equal", cond("NumberGreaterOrEqualTo", "10"), " 10 ", true},
		{"less", cond("NumberLessThan", "-1"), "-2", true},
		{"less or equal", cond("NumberLessOrEqualTo", "3"), "3.0", true},
		{"number vs text", cond("NumberGreaterThan", "0"), "abc", false},
		{"text operand", cond("NumberLessThan", "ten"), "1", false},
		{"NaN is not a number", cond("NumberLessThan", "5"), "NaN", false},
		{"Inf is not a number", cond("NumberGreaterThan", "5"), "Inf", false},
		{"hex is not a number", cond("NumberGreaterThan", "5"), "0x10", false},
		{"empty is not a number", cond("NumberLessThan", "5"), "", false},
		{"unknown operator", cond("Matches", ".*"), "x", false},
		{"no operand", cond("Equals"), "", false},
		{"and", cond("And", cond("NumberGreaterThan", "1"), cond("NumberLessThan", "5")), "3", true},
		{"and fails", cond("And", cond("NumberGreaterThan", "1"), cond("NumberLessThan", "5")), "7", false},
		{"empty and", cond("And"), "x", false},
		{"or", cond("Or", cond("Equals", "a"), cond("Equals", "b")), "b", true},
		{"or with a plain operand", cond("Or", "a", "b"), "a", true},
		{"not", cond("Not", cond("TextContains", "x")), "abc", true},
		{"not needs one operand", cond("Not", cond("Equals", "a"), cond("Equals", "b")), "c", false},
		{"nested", cond("Or", cond("And", cond("TextStartsWith", "a"), cond("Not", cond("Equals", "ab")))), "ac", true},
	}
	for _, tc := range cases {
		if got := evalCondition(tc.c, tc.value); got != tc.want {
			t.Errorf("%s: %q %s = %v, want %v", tc.name, tc.value, conditionString(tc.c), got, tc.want)
		}
	}
}

func TestConditionsNestedTooDeepAreFalse(t *testing.T) {
	c := cond("Equals", "x")
	for i := 0; i < 10; i++ {
		c = cond("Or", c)
	}
	if evalCondition(c, "x") {
		t.Error("a condition nested 10 deep held")
	}
}

package engine

import (
	"fmt"
	"strings"
)

// Phone number validation for GetParticipantInput's PhoneNumberValidation.
//
// The customer keys a number on a keypad (no '+'), or types it in chat. With
// NumberFormat E164 they enter it with its country calling code; with Local
// they enter the national number of CountryCode (an ISO 3166 alpha-2 code),
// with or without its trunk prefix '0'. Either way the stored value is the
// E.164 form, "+" and digits.
//
// This is not libphonenumber: it checks the digits, the country calling code
// and, for the countries below, the length of the national number. That is
// what a keypad entry needs (a wrong length is the usual mistake) without a
// dependency carrying the world's numbering plans.

type numberingPlan struct {
	code     string // country calling code
	min, max int    // national significant number length
}

// plans by ISO 3166 alpha-2 code.
var plans = map[string]numberingPlan{
	"US": {"1", 10, 10}, "CA": {"1", 10, 10}, "PR": {"1", 10, 10},
	"GB": {"44", 9, 10}, "IE": {"353", 7, 9}, "FR": {"33", 9, 9}, "DE": {"49", 6, 13},
	"ES": {"34", 9, 9}, "IT": {"39", 6, 11}, "PT": {"351", 9, 9}, "NL": {"31", 9, 9},
	"BE": {"32", 8, 9}, "LU": {"352", 4, 11}, "CH": {"41", 9, 9}, "AT": {"43", 4, 13},
	"SE": {"46", 7, 9}, "NO": {"47", 8, 8}, "DK": {"45", 8, 8}, "FI": {"358", 5, 12},
	"PL": {"48", 9, 9}, "CZ": {"420", 9, 9}, "GR": {"30", 10, 10}, "RO": {"40", 9, 9},
	"HU": {"36", 8, 9}, "IL": {"972", 8, 9}, "AE": {"971", 8, 9}, "SA": {"966", 9, 9},
	"TR": {"90", 10, 10}, "ZA": {"27", 9, 9}, "NG": {"234", 8, 10}, "KE": {"254", 9, 9},
	"EG": {"20", 9, 10}, "IN": {"91", 10, 10}, "PK": {"92", 9, 10}, "CN": {"86", 10, 11},
	"HK": {"852", 8, 8}, "TW": {"886", 8, 9}, "JP": {"81", 9, 10}, "KR": {"82", 8, 10},
	"SG": {"65", 8, 8}, "MY": {"60", 8, 10}, "TH": {"66", 8, 9}, "PH": {"63", 8, 10},
	"ID": {"62", 8, 12}, "VN": {"84", 9, 10}, "AU": {"61", 9, 9}, "NZ": {"64", 8, 10},
	"MX": {"52", 10, 10}, "BR": {"55", 10, 11}, "AR": {"54", 10, 10}, "CL": {"56", 9, 9},
	"CO": {"57", 10, 10}, "PE": {"51", 8, 9},
}

// byCallingCode finds the plan of the longest calling code e164 (digits only)
// starts with; the plans of countries sharing a code agree on lengths.
func byCallingCode(digits string) (numberingPlan, bool) {
	var best numberingPlan
	for _, p := range plans {
		if strings.HasPrefix(digits, p.code) && len(p.code) > len(best.code) {
			best = p
		}
	}
	return best, best.code != ""
}

func onlyDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// validatePhone checks input as a phone number in format (E164 or Local)
// and returns its E.164 form.
func validatePhone(input, format, country string) (string, error) {
	s := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '.', '(', ')':
			return -1
		}
		return r
	}, strings.TrimSpace(input))
	if strings.EqualFold(format, "Local") {
		plan, ok := plans[strings.ToUpper(strings.TrimSpace(country))]
		if !ok {
			return "", fmt.Errorf("country code %q is not one Switchboard knows", country)
		}
		if strings.HasPrefix(s, "+") {
			return validatePhone(s, "E164", "")
		}
		if !onlyDigits(s) {
			return "", fmt.Errorf("%q is not a phone number", input)
		}
		national := s
		if plan.code == "1" && len(national) == 11 && national[0] == '1' {
			national = national[1:] // NANP long-distance prefix
		} else if len(national) > plan.max || (plan.code != "1" && strings.HasPrefix(national, "0")) {
			national = strings.TrimPrefix(national, "0") // trunk prefix
		}
		if len(national) < plan.min || len(national) > plan.max {
			return "", fmt.Errorf("%q is not a %s number: %d digits", input, strings.ToUpper(country), len(national))
		}
		return "+" + plan.code + national, nil
	}
	s = strings.TrimPrefix(s, "+")
	if !onlyDigits(s) || s[0] == '0' || len(s) < 7 || len(s) > 15 {
		return "", fmt.Errorf("%q is not an E.164 number", input)
	}
	if plan, ok := byCallingCode(s); ok {
		if n := len(s) - len(plan.code); n < plan.min || n > plan.max {
			return "", fmt.Errorf("%q has the wrong length for country calling code +%s", input, plan.code)
		}
	}
	return "+" + s, nil
}

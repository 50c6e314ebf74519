package httpapi

import "masspay"

// addACHEntries adds what the entries that carried a transfer to the bank say (--clearing ach)
// to its achDetails, as Dwolla shows them: per side, the trace number, effective date, the
// originator's company fields and the ODFI's routing number; and the transfer's own entry's
// individual id as individualAchId.
func addACHEntries(out, ach obj, t *masspay.Transfer) {
	for _, e := range t.ACH {
		key := "destination"
		if e.Debit {
			key = "source"
		}
		side, _ := ach[key].(obj)
		if side == nil {
			side = obj{}
			ach[key] = side
		}
		side["traceId"] = e.Trace
		side["effectiveDate"] = e.EffectiveDate
		side["beneficiaryName"] = e.Name
		side["companyName"] = e.File.CompanyName
		side["companyId"] = e.File.CompanyID
		side["companyEntryDescription"] = e.File.EntryDescription
		side["routingNumber"] = e.File.ODFI
		if e.Addenda != "" {
			side["addenda"] = obj{"values": []string{e.Addenda}}
		}
		if e.TransferID == t.ID {
			out["individualAchId"] = e.IndividualID
		}
	}
}

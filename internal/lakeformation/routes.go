package lakeformation

import (
	"net/http"
	"strings"

	"github.com/sluicehq/sluice/internal/awsproto"
)

// Routes returns the REST-JSON router of every Lake Formation operation Sluice serves.
func (s *Service) Routes() *awsproto.JSONRouter {
	return &awsproto.JSONRouter{Service: awsproto.LakeFormation, Ops: map[string]awsproto.JSONOp{
		"GetDataLakeSettings":                  awsproto.JSONOpOf(s.GetDataLakeSettings),
		"PutDataLakeSettings":                  awsproto.JSONOpOf(s.PutDataLakeSettings),
		"RegisterResource":                     awsproto.JSONOpOf(s.RegisterResource),
		"DeregisterResource":                   awsproto.JSONOpOf(s.DeregisterResource),
		"UpdateResource":                       awsproto.JSONOpOf(s.UpdateResource),
		"DescribeResource":                     awsproto.JSONOpOf(s.DescribeResource),
		"ListResources":                        awsproto.JSONOpOf(s.ListResources),
		"GrantPermissions":                     awsproto.JSONOpOf(s.GrantPermissions),
		"RevokePermissions":                    awsproto.JSONOpOf(s.RevokePermissions),
		"BatchGrantPermissions":                awsproto.JSONOpOf(s.BatchGrantPermissions),
		"BatchRevokePermissions":               awsproto.JSONOpOf(s.BatchRevokePermissions),
		"ListPermissions":                      awsproto.JSONOpOf(s.ListPermissions),
		"GetEffectivePermissionsForPath":       awsproto.JSONOpOf(s.GetEffectivePermissionsForPath),
		"CreateDataCellsFilter":                awsproto.JSONOpOf(s.CreateDataCellsFilter),
		"GetDataCellsFilter":                   awsproto.JSONOpOf(s.GetDataCellsFilter),
		"UpdateDataCellsFilter":                awsproto.JSONOpOf(s.UpdateDataCellsFilter),
		"DeleteDataCellsFilter":                awsproto.JSONOpOf(s.DeleteDataCellsFilter),
		"ListDataCellsFilter":                  awsproto.JSONOpOf(s.ListDataCellsFilter),
		"CreateLFTag":                          awsproto.JSONOpOf(s.CreateLFTag),
		"GetLFTag":                             awsproto.JSONOpOf(s.GetLFTag),
		"UpdateLFTag":                          awsproto.JSONOpOf(s.UpdateLFTag),
		"DeleteLFTag":                          awsproto.JSONOpOf(s.DeleteLFTag),
		"ListLFTags":                           awsproto.JSONOpOf(s.ListLFTags),
		"AddLFTagsToResource":                  awsproto.JSONOpOf(s.AddLFTagsToResource),
		"RemoveLFTagsFromResource":             awsproto.JSONOpOf(s.RemoveLFTagsFromResource),
		"GetResourceLFTags":                    awsproto.JSONOpOf(s.GetResourceLFTags),
		"SearchTablesByLFTags":                 awsproto.JSONOpOf(s.SearchTablesByLFTags),
		"SearchDatabasesByLFTags":              awsproto.JSONOpOf(s.SearchDatabasesByLFTags),
		"GetTemporaryGlueTableCredentials":     awsproto.JSONOpOf(s.GetTemporaryGlueTableCredentials),
		"GetTemporaryGluePartitionCredentials": awsproto.JSONOpOf(s.GetTemporaryGluePartitionCredentials),
		"RevokeVendedSessions":                 awsproto.JSONOpOf(s.RevokeVendedSessions),
	}}
}

// WithQuery returns the Lake Formation handler: the query API's operations (StartQueryPlanning,
// GetQueryState, GetQueryStatistics, GetWorkUnits, GetWorkUnitResults — package lfquery, over the
// filtered read path) beside the routes of the installed service. Clients send the query API to a
// "query-" or "data-" host prefix (spec §1.2); routing is by the SigV4 scope and the path, so the
// Host is never consulted.
func (sl *Slot) WithQuery(query map[string]awsproto.JSONOp) awsproto.Handler {
	return &withQuery{sl: sl, query: &awsproto.JSONRouter{Service: awsproto.LakeFormation, Ops: query}}
}

type withQuery struct {
	sl    *Slot
	query *awsproto.JSONRouter
}

func (h *withQuery) ServeAWS(w http.ResponseWriter, r *http.Request, c *awsproto.Call) {
	if _, ok := h.query.Ops[strings.TrimPrefix(r.URL.Path, "/")]; ok {
		h.query.ServeAWS(w, r, c)
		return
	}
	h.sl.ServeAWS(w, r, c)
}

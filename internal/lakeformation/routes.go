package lakeformation

import "github.com/sluicehq/sluice/internal/awsproto"

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

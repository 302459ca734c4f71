package catalog

import "github.com/sluicehq/sluice/internal/awsproto"

// Routes returns the Glue JSON 1.1 router: one typed adapter per operation, no decisions.
func (s *Service) Routes() *awsproto.JSONRouter {
	return &awsproto.JSONRouter{Service: awsproto.Glue, Ops: map[string]awsproto.JSONOp{
		"CreateDatabase":                  awsproto.JSONOpOf(s.CreateDatabase),
		"GetDatabase":                     awsproto.JSONOpOf(s.GetDatabase),
		"GetDatabases":                    awsproto.JSONOpOf(s.GetDatabases),
		"UpdateDatabase":                  awsproto.JSONOpOf(s.UpdateDatabase),
		"DeleteDatabase":                  awsproto.JSONOpOf(s.DeleteDatabase),
		"CreateTable":                     awsproto.JSONOpOf(s.CreateTable),
		"GetTable":                        awsproto.JSONOpOf(s.GetTable),
		"GetTables":                       awsproto.JSONOpOf(s.GetTables),
		"UpdateTable":                     awsproto.JSONOpOf(s.UpdateTable),
		"DeleteTable":                     awsproto.JSONOpOf(s.DeleteTable),
		"BatchDeleteTable":                awsproto.JSONOpOf(s.BatchDeleteTable),
		"GetTableVersions":                awsproto.JSONOpOf(s.GetTableVersions),
		"SearchTables":                    awsproto.JSONOpOf(s.SearchTables),
		"CreatePartition":                 awsproto.JSONOpOf(s.CreatePartition),
		"BatchCreatePartition":            awsproto.JSONOpOf(s.BatchCreatePartition),
		"GetPartition":                    awsproto.JSONOpOf(s.GetPartition),
		"GetPartitions":                   awsproto.JSONOpOf(s.GetPartitions),
		"BatchGetPartition":               awsproto.JSONOpOf(s.BatchGetPartition),
		"UpdatePartition":                 awsproto.JSONOpOf(s.UpdatePartition),
		"DeletePartition":                 awsproto.JSONOpOf(s.DeletePartition),
		"BatchDeletePartition":            awsproto.JSONOpOf(s.BatchDeletePartition),
		"GetUserDefinedFunction":          awsproto.JSONOpOf(s.GetUserDefinedFunction),
		"GetUserDefinedFunctions":         awsproto.JSONOpOf(s.GetUserDefinedFunctions),
		"GetUnfilteredTableMetadata":      awsproto.JSONOpOf(s.GetUnfilteredTableMetadata),
		"GetUnfilteredPartitionMetadata":  awsproto.JSONOpOf(s.GetUnfilteredPartitionMetadata),
		"GetUnfilteredPartitionsMetadata": awsproto.JSONOpOf(s.GetUnfilteredPartitionsMetadata),
	}}
}

package catalog

import (
	"context"
	"encoding/json"

	"github.com/sluicehq/sluice/internal/identity"
)

// User-defined functions are not stored: the catalog has none, and engines that ask
// (Spark's Hive client does, at start) get the answers of an empty catalog.

type GetUserDefinedFunctionRequest struct {
	CatalogId    *string
	DatabaseName *string
	FunctionName *string
}

type GetUserDefinedFunctionsRequest struct {
	CatalogId    *string
	DatabaseName *string
	Pattern      *string
	NextToken    *string
	MaxResults   *int32
}

type GetUserDefinedFunctionsResponse struct {
	UserDefinedFunctions []json.RawMessage `json:"UserDefinedFunctions"`
}

func (s *Service) functionARN(db, fn string) string {
	return "arn:aws:glue:" + s.region + ":" + string(s.account) + ":userDefinedFunction/" + db + "/" + fn
}

// GetUserDefinedFunction answers EntityNotFoundException for any function of a database the
// caller may see (glue:GetUserDefinedFunction).
func (s *Service) GetUserDefinedFunction(ctx context.Context, p *identity.Principal, in *GetUserDefinedFunctionRequest) (*Empty, error) {
	if err := s.checkCatalog(p, in.CatalogId, "glue:GetUserDefinedFunction"); err != nil {
		return nil, err
	}
	db, fn, err := tableNames(in.DatabaseName, in.FunctionName, "FunctionName")
	if err != nil {
		return nil, err
	}
	if err := s.iamAllow(ctx, p, "glue:GetUserDefinedFunction", s.functionARN(db, fn)); err != nil {
		return nil, err
	}
	if _, err := s.visibleDatabase(ctx, p, db); err != nil {
		return nil, err
	}
	return nil, errNotFound("Function %s not found.", fn)
}

// GetUserDefinedFunctions answers an empty list (glue:GetUserDefinedFunctions).
func (s *Service) GetUserDefinedFunctions(ctx context.Context, p *identity.Principal, in *GetUserDefinedFunctionsRequest) (*GetUserDefinedFunctionsResponse, error) {
	if err := s.checkCatalog(p, in.CatalogId, "glue:GetUserDefinedFunctions"); err != nil {
		return nil, err
	}
	if in.Pattern == nil {
		return nil, errInvalid("Pattern is required")
	}
	if _, err := pageSize(in.MaxResults, maxPageTables); err != nil {
		return nil, err
	}
	resource := s.catalogARN()
	if in.DatabaseName != nil {
		db, err := checkName("DatabaseName", *in.DatabaseName)
		if err != nil {
			return nil, err
		}
		resource = s.databaseARN(db)
		if err := s.iamAllow(ctx, p, "glue:GetUserDefinedFunctions", resource); err != nil {
			return nil, err
		}
		if _, err := s.visibleDatabase(ctx, p, db); err != nil {
			return nil, err
		}
	} else if err := s.iamAllow(ctx, p, "glue:GetUserDefinedFunctions", resource); err != nil {
		return nil, err
	}
	return &GetUserDefinedFunctionsResponse{UserDefinedFunctions: []json.RawMessage{}}, nil
}

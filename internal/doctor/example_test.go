package doctor_test

import (
	"os"
	"time"

	"github.com/sluicehq/sluice/internal/doctor"
)

// A table under a registered location still granted to IAM_ALLOWED_PRINCIPALS fails, with the
// command that revokes the grant; warnings and fixes print under their finding.
func Example() {
	lake := doctor.Lake{
		Locations: []string{"arn:aws:s3:::lake/sales"},
		Tables:    []doctor.Table{{Database: "sales", Name: "orders", Location: "s3://lake/sales/orders/"}},
		Grants:    []doctor.Grant{{Kind: doctor.TableGrant, Database: "sales", Table: "orders", Permissions: []string{"ALL"}}},
	}
	local := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	fs := append(doctor.IAMAllowed(lake, ""), doctor.Clock(local, local.Add(90*time.Second)))
	doctor.WriteText(os.Stdout, fs)
	// Output:
	// fail  iam-allowed-principals  table sales.orders at s3://lake/sales/orders/ (registered location arn:aws:s3:::lake/sales) still grants ALL to IAM_ALLOWED_PRINCIPALS: IAM alone decides access and Lake Formation grants restrict nothing
	//                               fix: aws lakeformation revoke-permissions --principal DataLakePrincipalIdentifier=IAM_ALLOWED_PRINCIPALS --resource '{"Table":{"DatabaseName":"sales","Name":"orders"}}' --permissions ALL
	// ok    iam-allowed-principals  the data-lake default permissions grant IAM_ALLOWED_PRINCIPALS nothing on new databases and tables
	// warn  clock                   server clock is 1m30s ahead of this machine's (warn above 1m, fail above 5m)
	//                               fix: synchronize the clocks of this machine and the server with NTP: `sudo timedatectl set-ntp true` (or `sudo chronyc makestep`) on both
	// 1 ok, 1 warn, 1 fail, 0 skipped
}

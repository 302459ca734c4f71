package s3

import (
	"encoding/json"
	"testing"
)

// TestBucketCache: a bucket's record is decoded and its policy parsed once per stored version:
// the same bytes give the same shared record, changed bytes a new one with the new policy and
// public access block.
func TestBucketCache(t *testing.T) {
	var c bucketCache
	enc := func(b bucketRecord) []byte {
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	v1 := enc(bucketRecord{Name: "lake"})
	a, err := c.decode("lake", v1)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := c.decode("lake", append([]byte{}, v1...)); b != a {
		t.Error("the same stored bytes were decoded again")
	}
	if a.parsed == nil || a.parsed.pol != nil || on(a.parsed.pab.BlockPublicPolicy) {
		t.Errorf("bucket without policy or block: parsed %+v", a.parsed)
	}
	v2 := enc(bucketRecord{Name: "lake",
		Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::lake/*"}]}`,
		Configs: map[string]string{"publicAccessBlock": `<PublicAccessBlockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
			`<RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>`}})
	b, err := c.decode("lake", v2)
	if err != nil {
		t.Fatal(err)
	}
	if b == a || b.parsed.pol == nil || !b.parsed.pol.Public() || !on(b.publicAccessBlock().RestrictPublicBuckets) {
		t.Errorf("changed bucket: same record %v, parsed %+v", b == a, b.parsed)
	}
	for i := range bucketCacheMax + 5 {
		c.decode(string(rune('a'+i%26))+"-"+string(rune(i)), v1)
	}
	if n := len(c.m); n > bucketCacheMax {
		t.Errorf("the cache holds %d buckets, more than %d", n, bucketCacheMax)
	}
}

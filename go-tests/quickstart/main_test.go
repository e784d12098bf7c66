// The README's Go quick start (main.go, shown in the README byte for byte) synthesized with the real aws-cdk-go
// and the Go module jsii-pacmak builds into dist/go. Build it first: npx projen compile && npx projen package:bindings.
package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
)

// TestMain runs the program itself when the test starts it as a child process, as `cdk synth` runs a Go app:
// in a process of its own, with CDK_OUTDIR in its environment from the start (the jsii kernel the program talks
// to is a node process that takes its environment when it starts).
func TestMain(m *testing.M) {
	if os.Getenv("QUICKSTART_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	code := m.Run()
	// The jsii runtime of the packages this test links starts with the test process: stop it, so that its
	// temporary folder goes too.
	jsii.Close()
	os.Exit(code)
}

type resource struct {
	Type       string
	Properties map[string]any
}

func TestReadmeShowsThisProgram(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	match := regexp.MustCompile("(?s)<!-- quick-start:go -->\\s*```go\\n(.*?)```").FindSubmatch(readme)
	if match == nil {
		t.Fatal("README.md has no Go quick start after <!-- quick-start:go -->")
	}
	source, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	if string(match[1]) != string(source) {
		t.Errorf("the README's Go quick start differs from go-tests/quickstart/main.go:\n--- README ---\n%s\n--- main.go ---\n%s", match[1], source)
	}
}

func TestQuickStartSynthesizesTheDistributionAndKeyPolicy(t *testing.T) {
	out := t.TempDir()
	program := exec.Command(os.Args[0])
	program.Env = append(os.Environ(), "QUICKSTART_RUN_MAIN=1", "CDK_OUTDIR="+out)
	if output, err := program.CombinedOutput(); err != nil {
		t.Fatalf("the quick start failed (%v):\n%s", err, output)
	}

	raw, err := os.ReadFile(filepath.Join(out, "GoldenAmi.template.json"))
	if err != nil {
		entries, _ := os.ReadDir(out)
		t.Fatalf("%v (the output directory holds %v)", err, entries)
	}
	var template struct{ Resources map[string]resource }
	if err := json.Unmarshal(raw, &template); err != nil {
		t.Fatal(err)
	}

	keyId := only(t, template.Resources, "AWS::KMS::Key")
	distId := only(t, template.Resources, "AWS::ImageBuilder::DistributionConfiguration")
	if !strings.HasPrefix(keyId, "AmiKey") {
		t.Errorf("the key's logical ID is %s, not AmiKey...", keyId)
	}

	// The distribution, as the README says it synthesizes.
	name := "golden-{{ imagebuilder:buildDate }}"
	launch := map[string]any{"UserIds": []any{"222222222222"}}
	want := []any{
		map[string]any{"Region": "us-east-1", "AmiDistributionConfiguration": map[string]any{
			"Name": name, "KmsKeyId": map[string]any{"Fn::GetAtt": []any{keyId, "Arn"}}, "LaunchPermissionConfiguration": launch,
		}},
		map[string]any{"Region": "eu-west-1", "AmiDistributionConfiguration": map[string]any{
			"Name": name, "LaunchPermissionConfiguration": launch,
		}},
	}
	got := template.Resources[distId].Properties["Distributions"]
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Distributions of %s:\n got %#v\nwant %#v", distId, got, want)
	}

	// The key policy lets the launch-permission account launch the AMI: the actions EC2 documents for a shared
	// encrypted AMI, and grants only for AWS resources.
	statements := template.Resources[keyId].Properties["KeyPolicy"].(map[string]any)["Statement"].([]any)
	account := "arn:aws:iam::222222222222:root"
	launchActions := []string{"kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncrypt*"}
	if !allowed(statements, account, launchActions, nil) {
		t.Errorf("no statement of the key policy allows %s %v:\n%s", account, launchActions, pretty(statements))
	}
	grantCondition := map[string]any{"Bool": map[string]any{"kms:GrantIsForAWSResource": true}}
	if !allowed(statements, account, []string{"kms:CreateGrant"}, grantCondition) {
		t.Errorf("no statement of the key policy allows %s kms:CreateGrant for AWS resources:\n%s", account, pretty(statements))
	}
	if allowed(statements, "arn:aws:iam::333333333333:root", []string{"kms:Decrypt"}, nil) {
		t.Errorf("the key policy lets an account the distribution does not name decrypt:\n%s", pretty(statements))
	}
}

// only returns the logical ID of the one resource of a type, failing the test unless there is exactly one.
func only(t *testing.T, resources map[string]resource, typ string) string {
	t.Helper()
	var ids []string
	for id, r := range resources {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	if len(ids) != 1 {
		t.Fatalf("want one %s, got %v", typ, ids)
	}
	return ids[0]
}

// allowed tells whether one Allow statement gives principal every action, with exactly condition (nil: none).
func allowed(statements []any, principal string, actions []string, condition map[string]any) bool {
	for _, s := range statements {
		statement := s.(map[string]any)
		if statement["Effect"] != "Allow" || !slices.Contains(principals(statement["Principal"]), principal) {
			continue
		}
		if !reflect.DeepEqual(statement["Condition"], anyOrNil(condition)) {
			continue
		}
		listed := strings1(statement["Action"])
		if !slices.ContainsFunc(actions, func(a string) bool { return !slices.Contains(listed, a) }) {
			return true
		}
	}
	return false
}

func anyOrNil(m map[string]any) any {
	if m == nil {
		return nil
	}
	return m
}

// principals lists the AWS principals of a statement, with `{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ...]]}`
// read in the aws partition.
func principals(p any) []string {
	m, ok := p.(map[string]any)
	if !ok {
		return nil
	}
	var out []string
	for _, v := range listOf(m["AWS"]) {
		out = append(out, text(v))
	}
	return out
}

func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if x["Ref"] == "AWS::Partition" {
			return "aws"
		}
		if join, ok := x["Fn::Join"].([]any); ok && len(join) == 2 {
			var parts []string
			for _, p := range listOf(join[1]) {
				parts = append(parts, text(p))
			}
			return strings.Join(parts, join[0].(string))
		}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func listOf(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	if v == nil {
		return nil
	}
	return []any{v}
}

func strings1(v any) []string {
	var out []string
	for _, x := range listOf(v) {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func pretty(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

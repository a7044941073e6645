package redact

import (
	"strings"
	"testing"
)

// Issue 9: secrets other scanners' samples hold, and what real logs hold that is no secret. All
// samples are written here; none is real.

const sec9 = "Qm8Rt3Vx9Lp2Kw7Zn4Bc6Hd1"

type leakCase struct {
	name, in string
	secret   []string // must not survive
	keep     []string // must survive verbatim
}

func runLeakCases(t *testing.T, cases []leakCase) {
	t.Helper()
	e, _ := New(Config{})
	for _, c := range cases {
		out := e.String("x", c.in)
		for _, s := range c.secret {
			if strings.Contains(out, s) {
				t.Errorf("%s: %q survived:\n in: %q\nout: %q", c.name, s, c.in, out)
			}
		}
		for _, k := range c.keep {
			if !strings.Contains(out, k) {
				t.Errorf("%s: %q lost:\n in: %q\nout: %q", c.name, k, c.in, out)
			}
		}
		if again := e.String("x", out); again != out {
			t.Errorf("%s: not idempotent:\n1: %q\n2: %q", c.name, out, again)
		}
	}
}

// runKeepCases: each line must come out unchanged.
func runKeepCases(t *testing.T, lines []string) {
	t.Helper()
	e, _ := New(Config{})
	for _, in := range lines {
		if out := e.String("x", in); out != in {
			t.Errorf("changed:\n in: %q\nout: %q", in, out)
		}
	}
}

func TestAuthSchemeWordKept(t *testing.T) {
	runLeakCases(t, []leakCase{
		{"api-token", "Authorization: Api-Token 22cb98f3a9c1e7b2d4f6a0c5e9b1d3f7", []string{"22cb98f3a9c1e7b2d4f6a0c5e9b1d3f7"}, []string{"Authorization: Api-Token "}},
		{"geniekey", "Authorization: GenieKey " + sec9, []string{sec9}, []string{"GenieKey "}},
		{"key scheme", "authorization: Key " + sec9, []string{sec9}, []string{"Key "}},
		{"mid-line", `curl -H "Authorization: Api-Token ` + sec9 + `" https://api.example.com`, []string{sec9}, []string{"Api-Token ", "https://api.example.com"}},
		{"json", `{"Authorization": "X-Custom-Scheme ` + sec9 + `"}`, []string{sec9}, []string{"X-Custom-Scheme "}},
		{"token only", "Authorization: " + sec9, []string{sec9}, []string{"Authorization: "}},
		{"token with digits then text", "Authorization: 3f9a1c7e5b2d8f4a6c0e (expired)", []string{"3f9a1c7e5b2d8f4a6c0e"}, nil},
	})
}

func TestURLPasswordWords(t *testing.T) {
	runLeakCases(t, []leakCase{
		{"secret", "postgresql://user:secret@db.example.com:5432/app", []string{":secret@"}, []string{"postgresql://user:", "@db.example.com:5432/app"}},
		{"password", "amqp://guest:password@rabbit:5672/", []string{":password@"}, []string{"amqp://guest:"}},
		{"token", "redis://default:token@cache:6379", []string{":token@"}, nil},
	})
	runKeepCases(t, []string{
		"postgresql://user:${DB_PASSWORD}@db.example.com:5432/app",
		"postgresql://user:****@db.example.com:5432/app",
		"mysql://root:<PASSWORD>@localhost/db",
		"postgres://app:{{ .Values.dbPassword }}@db/app",
		"https://user:%DB_PASS%@host/",
	})
}

func TestLogIdentifiersKept(t *testing.T) {
	runKeepCases(t, []string{
		"2016-09-28 04:30:30, Info                  CBS    Session: 30546173_4261722401 initialized by client WindowsUpdateAgent.",
		"2016-09-28 04:30:31, Info                  CBS    Session: 30546173_4261722401 finalized. Reboot required: no",
		"2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.security.UserGroupInformation: User root (auth:SIMPLE) logged in",
		"2015-10-18 18:01:48,100 INFO [IPC Server handler 0] SecurityLogger.org.apache.hadoop.ipc.Server: Auth successful for appattempt_1445144423722_0020_000001 (auth:TOKEN)",
		"03-17 16:13:38.811  1702  2395 D WindowManager: printFreezingDisplayLogsopening app wtoken = AppWindowToken{9f4ef63 token=Token{a64f992 ActivityRecord{de9231d u0 com.tencent.qt.qtl/.activity.info.NewsDetailXmlActivity t761}}}, allDrawn= false",
		"03-17 16:13:38.839  1702  8671 D PowerManagerService: acquire lock=233570404, flags=0x1, tag=\"View Lock\", name=com.android.systemui, ws=null, uid=10037, pid=2227 BinderProxy@2bd79ce",
		"03-17 16:14:00.000  1702  1702 I NotificationService: key=0|com.tencent.mm|4097|null|10112 posted",
		"03-17 16:14:00.001  1702  1702 D NotificationService: cancelNotification key=-1|android|17041133|null|1000 reason=8",
		"Jul  1 09:00:01 calvisitor kernel[0]: -[NSApplication key:atLOI:ofKind:] called",
		"17/06/09 20:10:41 INFO Remoting: Remoting started; listening on addresses :[akka.tcp://sparkExecutorActorSystem@mesos-slave-07:55904]",
		"17/06/09 20:10:41 INFO CoarseGrainedExecutorBackend: Connecting to driver: spark://CoarseGrainedScheduler@10.10.34.11:48069",
		"2017-06-09 20:10:41 INFO SecurityManager: Changing view acls to: yarn,curi; session=42 token=none",
	})
}

func TestCodeAfterKeyIsNoValue(t *testing.T) {
	runKeepCases(t, []string{
		`SECRET = os.getenv("APP_SECRET")`,
		`API_TOKEN = os.environ["API_TOKEN"]`,
		`password = os.environ.get('DB_PASSWORD', '')`,
		`    credentials: new AWS.SharedIniFileCredentials({profile: 'work'}),`,
		`  administrator_login_password = var.db_password`,
		`  password = local.db_password`,
		`  client_secret = data.vault_generic_secret.app.data["client_secret"]`,
		`AUTH = ("Basic ", user)`,
		`token = getToken(request)`,
		`const secret = process.env.JWT_SECRET;`,
		`password: {{ .Values.Password }}`,
		`password: "{{ .Values.db.password | b64enc }}"`,
		`account_key = "<YOUR_ACCOUNT_KEY>"`,
		`api_key: <YOUR_API_KEY>`,
		`auth = "$1:$2"`,
		`password = "${VAR}"`,
		`public_key = "Qm8Rt3Vx9Lp2Kw7Zn4Bc6Hd1Qm8Rt3Vx9Lp2Kw7Zn4Bc6Hd1"`,
		`"publicKey": "Qm8Rt3Vx9Lp2Kw7Zn4Bc6Hd1Qm8Rt3Vx9Lp2Kw7Zn4Bc6Hd1"`,
		`<entry key="jetbrains.mps.v8_elimination" value="executed"/>`,
		`<entry key="token.renderer.cache" value="enabled"/>`,
		`<dependency>io.jsonwebtoken:jjwt-api:0.11.5</dependency>`,
		`implementation 'io.jsonwebtoken:jjwt-impl:0.11.5'`,
		`Enter token : This is the prompt text`,
		`Please check the user name and password combination.`,
		`Invalid password: the password you entered is incorrect.`,
	})
}

func TestValuesStillFoundNextToCode(t *testing.T) {
	runLeakCases(t, []leakCase{
		{"literal", `SECRET = "` + sec9 + `"`, []string{sec9}, []string{"SECRET = "}},
		{"getenv default", `password = os.getenv("DB_PASSWORD", "` + sec9 + `")`, []string{sec9}, []string{"os.getenv("}},
		{"hcl literal", `  administrator_login_password = "` + sec9 + `"`, []string{sec9}, nil},
		{"auth tuple", `AUTH = ("admin", "` + sec9 + `")`, []string{sec9}, nil},
		{"private key member", `private_key = "` + sec9 + `"`, []string{sec9}, nil},
		{"session id with secret", "Set-Cookie: session=" + sec9 + "; Path=/", []string{sec9}, nil},
		{"session key", "session_key=" + sec9, []string{sec9}, nil},
		{"url user token", "https://" + sec9 + "@github.com/org/repo.git", []string{sec9}, nil},
	})
}

func TestKeyNamesIssue9(t *testing.T) {
	runLeakCases(t, []leakCase{
		{"digit start", "1password_token: " + sec9, []string{sec9}, []string{"1password_token: "}},
		{"digit start eq", "2fa_secret=" + sec9, []string{sec9}, nil},
		{"mysqlpass", "MYSQLPASS: " + sec9, []string{sec9}, []string{"MYSQLPASS: "}},
		{"pswd", "PSWD:=" + sec9, []string{sec9}, []string{"PSWD:="}},
		{"dbpasswd", "DBPASSWD=" + sec9, []string{sec9}, nil},
		{"pwd", "pwd=" + sec9, []string{sec9}, nil},
		{"mySecretString", "mySecretString=" + sec9, []string{sec9}, nil},
		{"todo secret", `todo_secret_do_not_commit = "` + sec9 + `"`, []string{sec9}, nil},
		{"adminpwd", "ADMINPWD=" + sec9, []string{sec9}, nil},
		{"rootpass", "rootpass: " + sec9, []string{sec9}, nil},
		{"smtppassword", "smtpPasswd = " + sec9, []string{sec9}, nil},
		{"usr_pswd", "usr_pswd=" + sec9, []string{sec9}, nil},
	})
	runKeepCases(t, []string{
		"1password: installed",
		"bypass=true",
		"compass: north",
		"PASSAGE: 3",
		"2fa_enabled=true",
	})
}

func TestCodeAssignments(t *testing.T) {
	runLeakCases(t, []leakCase{
		{"go var", `var xToken string = "` + sec9 + `"`, []string{sec9}, []string{"var xToken string = "}},
		{"go const", `const apiSecret = "` + sec9 + `"`, []string{sec9}, nil},
		{"go short", `dbPassword := "` + sec9 + `"`, []string{sec9}, nil},
		{"make ?=", `X_TOKEN ?= "` + sec9 + `"`, []string{sec9}, []string{"X_TOKEN ?= "}},
		{"make :=", `DB_PASSWORD := ` + sec9, []string{sec9}, nil},
		{"make +=", `API_TOKEN += ` + sec9, []string{sec9}, nil},
		{"php .=", `$xToken .= "` + sec9 + `";`, []string{sec9}, []string{"$xToken .= "}},
		{"php =", `$db_password = '` + sec9 + `';`, []string{sec9}, nil},
		{"kotlin val", `val password: String = "` + sec9 + `"`, []string{sec9}, []string{"val password: String = "}},
		{"swift let", `let apiToken: String = "` + sec9 + `"`, []string{sec9}, nil},
		{"ts typed", `const clientSecret: string = '` + sec9 + `';`, []string{sec9}, nil},
		{"python default", `def connect(passwd: str = "` + sec9 + `"):`, []string{sec9}, []string{"def connect(passwd: str = "}},
		{"python kw", `client = Client(api_key="` + sec9 + `")`, []string{sec9}, nil},
		{"java typed", `private static final String AUTH_TOKEN = "` + sec9 + `";`, []string{sec9}, nil},
		{"csharp", `string password = "` + sec9 + `";`, []string{sec9}, nil},
		{"rust", `let secret: &str = "` + sec9 + `";`, []string{sec9}, nil},
		{"curl setopt", `curl_easy_setopt(curl, CURLOPT_PASSWORD, "` + sec9 + `");`, []string{sec9}, []string{"CURLOPT_PASSWORD, "}},
		{"curl userpwd", `curl_easy_setopt(h, CURLOPT_USERPWD, "user:` + sec9 + `");`, []string{sec9}, nil},
		{"curl proxypass", `curl_easy_setopt(h, CURLOPT_PROXYPASSWORD, "` + sec9 + `");`, []string{sec9}, nil},
		{"xml block", "<xToken>\n  " + sec9 + "\n</xToken>", []string{sec9}, []string{"<xToken>", "</xToken>"}},
		{"xml block password", "<password>\n    " + sec9 + "\n  </password>", []string{sec9}, nil},
	})
	runKeepCases(t, []string{
		`var tokenType string = "bearer"`,
		`val password: String = ""`,
		`def connect(passwd: str = None):`,
		`curl_easy_setopt(curl, CURLOPT_PASSWORD, password);`,
		"<token>\n  <type>jwt</type>\n</token>",
		`let tokenCount: Int = 42`,
	})
}

func TestEncodedAndStructured(t *testing.T) {
	// base64 of a JWT (eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.<sig>), as in a Kubernetes secret
	const jwtB64 = "ZXlKaGJHY2lPaUpJVXpJMU5pSjkuZXlKemRXSWlPaUl4TWpNMEluMC5RbThSdDNWeDlMcDJLdzdabjRCYzZIZDFRbThSdDNWeDlMcDI="
	pemJava := "String key = \"-----BEGIN RSA PRIVATE KEY-----\\n\" +\n" +
		"    \"MIIEowIBAAKCAQEAxK9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6Jk8Lm0Np2Qr\\n\" +\n" +
		"    \"St6Uv8Wx0Yz2Ab4Cd6Ef8Gh0Jk2Lm4Np6Qr8St0Uv2Wx4Yz6Ab8Cd0Ef2Gh4Jk\\n\" +\n" +
		"    \"-----END RSA PRIVATE KEY-----\\n\";\nint x = 1;"
	pemPy := "KEY = (\"-----BEGIN PRIVATE KEY-----\\n\"\n" +
		"       \"MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7Xk9Lm2Np4Qr7\\n\"\n" +
		"       \"-----END PRIVATE KEY-----\\n\")"
	pemGo := "const key = \"-----BEGIN EC PRIVATE KEY-----\\n\" +\n" +
		"\t\"MHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oIyZ1R5ZQ4cQoAoGCCqGSM49\\n\" +\n" +
		"\t\"-----END EC PRIVATE KEY-----\\n\""
	runLeakCases(t, []leakCase{
		{"base64 jwt", "token: " + jwtB64, []string{"ZXlKaGJHY2lPaUpJVXpJ", "LmV5"}, nil},
		{"base64 jwt bare", "data " + jwtB64 + " end", []string{"ZXlKaGJHY2lPaUpJVXpJ"}, []string{"data ", " end"}},
		{"pem java concat", pemJava, []string{"MIIEowIBAAKCAQEAxK9Lm2Np4Qr7", "St6Uv8Wx0Yz2Ab4Cd6Ef8"}, []string{"String key = ", "int x = 1;"}},
		{"pem python implicit concat", pemPy, []string{"MIIEvQIBADANBgkqhkiG9w0BAQEF"}, []string{"KEY = ("}},
		{"pem go concat", pemGo, []string{"MHcCAQEEIBkg4LVWM9nuwNSk3yBy"}, nil},
		{"jwk rsa", `{"kty":"RSA","n":"xK9Lm2Np4Qr7St1Uv3Wx","e":"AQAB","d":"Qm8Rt3Vx9Lp2Kw7Zn4Bc6Hd1","p":"Zn4Bc6Hd1Qm8Rt3Vx9Lp2Kw7","q":"Lp2Kw7Zn4Bc6Hd1Qm8Rt3Vx9","dp":"Kw7Zn4Bc6Hd1Qm8Rt3Vx9Lp2","dq":"Bc6Hd1Qm8Rt3Vx9Lp2Kw7Zn4","qi":"Hd1Qm8Rt3Vx9Lp2Kw7Zn4Bc6"}`,
			[]string{"Qm8Rt3Vx9Lp2Kw7Zn4Bc6Hd1", "Zn4Bc6Hd1Qm8Rt3Vx9Lp2Kw7", "Lp2Kw7Zn4Bc6Hd1Qm8Rt3Vx9", "Kw7Zn4Bc6Hd1Qm8Rt3Vx9Lp2", "Bc6Hd1Qm8Rt3Vx9Lp2Kw7Zn4", "Hd1Qm8Rt3Vx9Lp2Kw7Zn4Bc6"},
			[]string{`"n":"xK9Lm2Np4Qr7St1Uv3Wx"`, `"e":"AQAB"`, `"kty":"RSA"`}},
		{"jwk oct", `{"kty": "oct", "k": "Qm8Rt3Vx9Lp2Kw7Zn4Bc6Hd1", "alg": "HS256"}`, []string{sec9}, []string{`"alg": "HS256"`}},
		{"jwk ec", `{"crv":"P-256","d":"Qm8Rt3Vx9Lp2Kw7Zn4Bc6Hd1","kty":"EC","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"}`, []string{sec9}, []string{`"x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"`}},
	})
	runKeepCases(t, []string{
		`{"kty":"RSA","n":"xK9Lm2Np4Qr7St1Uv3Wx","e":"AQAB","kid":"k1","use":"sig"}`,
		`{"d": "2024-01-01", "p": "page", "q": "search"}`,
		`String header = "-----BEGIN CERTIFICATE-----\n" +`,
	})
}

func TestTypedAssignNotXMLAttributes(t *testing.T) {
	runKeepCases(t, []string{
		`<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">`,
		`<Token Id="t1" Type="opaque">`,
	})
}

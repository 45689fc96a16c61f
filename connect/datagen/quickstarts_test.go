package datagen

import (
	"fmt"
	"math/big"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/connect"
)

// sig describes a Connect schema compactly: field:type pairs, logical
// types after a slash, nested structs in braces, optional types with ?.
func sig(s *connect.Schema) string {
	var t string
	switch s.Type {
	case connect.StructT:
		parts := make([]string, len(s.Fields))
		for i, f := range s.Fields {
			parts[i] = f.Name + ":" + sig(f.Schema)
		}
		t = "{" + strings.Join(parts, ",") + "}"
	case connect.Array:
		t = "array<" + sig(s.ValueSchema) + ">"
	case connect.Map:
		t = "map<" + sig(s.KeySchema) + "," + sig(s.ValueSchema) + ">"
	default:
		t = string(s.Type)
	}
	switch s.Name {
	case connect.LogicalTimestamp:
		t += "/timestamp"
	case connect.LogicalDate:
		t += "/date"
	case connect.LogicalDecimal:
		t += "/decimal(" + s.Parameters["connect.decimal.precision"] + "," + s.Parameters["scale"] + ")"
	}
	if s.Optional {
		t += "?"
	}
	return t
}

// quickstartSigs are the value schemas of the quickstarts added after the
// first seven, and their key fields, as kafka-connect-datagen has them.
var quickstartSigs = map[string][2]string{
	"clickstream_codes": {"code", "{code:int32,definition:string}"},
	"clickstream_users": {"user_id", "{user_id:int32,username:string,registered_at:int64,first_name:string,last_name:string,city:string,level:string}"},
	"shoes":             {"id", "{id:string,brand:string,name:string,sale_price:int32,rating:float64}"},
	"shoe_customers":    {"id", "{id:string,first_name:string,last_name:string,email:string,phone:string,street_address:string,state:string,zip_code:string,country:string,country_code:string}"},
	"shoe_orders":       {"order_id", "{order_id:int32,product_id:string,customer_id:string,ts:int64/timestamp}"},
	"shoe_clickstream":  {"product_id", "{product_id:string,user_id:string,view_time:int32,page_url:string,ip:string,ts:int64/timestamp}"},
	"pizza_orders": {"store_id", "{store_id:int32,store_order_id:int32,coupon_code:int32,date:int32/date,status:string," +
		"order_lines:array<{product_id:int32,category:string,quantity:int32,unit_price:float64,net_price:float64}>}"},
	"pizza_orders_completed":      {"store_id", "{store_id:int32,store_order_id:int32,date:int32/date,status:string,rack_time_secs:int32,order_delivery_time_secs:int32}"},
	"pizza_orders_cancelled":      {"store_id", "{store_id:int32,store_order_id:int32,date:int32/date,status:string}"},
	"inventory":                   {"id", "{id:int64,quantity:int64,productid:int64}"},
	"product":                     {"id", "{id:int64,name:string,description:string,price:float64}"},
	"purchases":                   {"id", "{id:int64,item_type:string,quantity:int64,price_per_unit:bytes/decimal(4,2)}"},
	"stores":                      {"store_id", "{store_id:int32,city:string,state:string}"},
	"credit_cards":                {"card_id", "{card_id:int32,card_number:int64,cvv:int32,expiration_date:string}"},
	"fleet_mgmt_description":      {"vehicle_id", "{vehicle_id:int32,driver_name:string,license_plate:string}"},
	"fleet_mgmt_location":         {"vehicle_id", "{vehicle_id:int32,location:{latitude:float64,longitude:float64},ts:int64/timestamp}"},
	"fleet_mgmt_sensors":          {"vehicle_id", "{vehicle_id:int32,engine_temperature:int32,average_rpm:int32}"},
	"campaign_finance":            {"candidate_id", "{time:int64,candidate_id:string,party_affiliation:string,contribution:int32}"},
	"device_information":          {"device_ip", "{device_ip:string,mac_address:string,owner:string}"},
	"siem_logs":                   {"hostname", "{hostname:string,action:string,l4:string,access_group:string,source:{ip:string,port:int32},destination:{ip:string,port:int32}}"},
	"syslog_logs":                 {"host", "{name:string,type:string,message:string,host:string,version:string,tag:string,level:int32,facility:string,severity:int32,appName:string,remoteAddress:string,rawMessage:string,processId:string,messageId:string,deviceVendor:string,deviceProduct:string,deviceVersion:string,ts:int64}"},
	"gaming_games":                {"id", "{id:int32,room_name:string,created_date:int64/timestamp}"},
	"gaming_players":              {"player_id", "{player_id:int32,player_name:string,ip:string}"},
	"gaming_player_activity":      {"player_id", "{player_id:int32,game_room_id:int32,points:int32,coordinates:string}"},
	"insurance_customers":         {"customer_id", "{customer_id:int32,first_name:string,last_name:string,email:string,gender:string,income:int32,fico:int32,years_active:int32}"},
	"insurance_offers":            {"offer_id", "{offer_id:int32,offer_name:string,offer_url:string}"},
	"insurance_customer_activity": {"activity_id", "{activity_id:int32,customer_id:int32,activity_type:string,propensity_to_churn:float64,ip_address:string}"},
	"payroll_employee":            {"employee_id", "{employee_id:int32,first_name:string,last_name:string,age:int32,ssn:string,hourly_rate:int32,gender:string,email:string}"},
	"payroll_employee_location":   {"employee_id", "{employee_id:int32,lab:string,department_id:int32,arrival_date:int32/date}"},
	"payroll_bonus":               {"employee_id", "{employee_id:int32,bonus:int32,ts:int64/timestamp}"},
	"users_":                      {"userid", "{registertime:int64,userid:string,regionid:string,gender:string,interests:array<string>,contactinfo:map<string,string>}"},
}

// records generates n records of quickstart q with the given seed
// (different quickstarts get different seeds in the join tests, so
// matching picks are not an artifact of sharing one).
func records(t *testing.T, q string, seed uint64, n int64) []*connect.Struct {
	t.Helper()
	tk := newTask(t, connect.Config{"quickstart": q})
	tk.seed = seed
	out := make([]*connect.Struct, n)
	for i := range n {
		rec := tk.record(i, time.Now())
		v := rec.Value.(*connect.Struct)
		if rec.Key != v.Get(quickstarts[q].keyField) || rec.KeySchema != v.Schema.Field(quickstarts[q].keyField) {
			t.Fatalf("%s: key %v is not the %s field", q, rec.Key, quickstarts[q].keyField)
		}
		out[i] = v
	}
	return out
}

// TestMoreQuickstarts checks each added quickstart's value schema
// (names, Avro types, nested records, arrays, logical types), key field,
// and that 2,000 generated records stay in upstream's ranges, patterns,
// iterations and enumerations.
func TestMoreQuickstarts(t *testing.T) {
	for q, want := range quickstartSigs {
		if quickstarts[q].keyField != want[0] {
			t.Errorf("%s key field %s, want %s", q, quickstarts[q].keyField, want[0])
		}
		tk := newTask(t, connect.Config{"quickstart": q})
		if s := sig(tk.gen.schema); s != want[1] {
			t.Errorf("%s schema\n got %s\nwant %s", q, s, want[1])
			continue
		}
		for i, v := range records(t, q, 5, 2000) {
			c := &checker{t: t, q: q, i: int64(i), v: v}
			c.check()
		}
	}
}

type checker struct {
	t *testing.T
	q string
	i int64
	v *connect.Struct
}

func (c *checker) fail(f string, v any) {
	c.t.Helper()
	c.t.Fatalf("%s record %d: %s = %v (%T) out of range", c.q, c.i, f, v, v)
}

// in: lo <= field < hi for the field's integer or float value.
func (c *checker) in(f string, lo, hi float64) {
	c.t.Helper()
	var x float64
	switch n := c.v.Get(f).(type) {
	case int32:
		x = float64(n)
	case int64:
		x = float64(n)
	case float64:
		x = n
	default:
		c.fail(f, n)
	}
	if x < lo || x >= hi {
		c.fail(f, c.v.Get(f))
	}
}

func (c *checker) eq(f string, want any) {
	c.t.Helper()
	if c.v.Get(f) != want {
		c.fail(f+" (want "+fmt.Sprint(want)+")", c.v.Get(f))
	}
}

func (c *checker) re(f, pattern string) {
	c.t.Helper()
	s, ok := c.v.Get(f).(string)
	if !ok || !regexpMatch(pattern, s) {
		c.fail(f, c.v.Get(f))
	}
}

func (c *checker) oneOf(f string, opts ...any) {
	c.t.Helper()
	for _, o := range opts {
		if c.v.Get(f) == o {
			return
		}
	}
	c.fail(f, c.v.Get(f))
}

const (
	uuidRe = `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`
	ipRe   = `^([0-9]{1,3}\.){3}[0-9]{1,3}$`
)

func (c *checker) check() {
	c.t.Helper()
	i, v := c.i, c.v
	sub := func(f string) *checker {
		return &checker{t: c.t, q: c.q + "." + f, i: i, v: v.Get(f).(*connect.Struct)}
	}
	switch c.q {
	case "clickstream_codes":
		defs := map[int32]string{200: "Successful", 302: "Redirect", 404: "Page not found", 405: "Method not allowed", 406: "Not acceptable", 407: "Proxy authentication required"}
		if d, ok := defs[v.Get("code").(int32)]; !ok || d != v.Get("definition") {
			c.fail("code", v.Values)
		}
	case "clickstream_users":
		c.eq("user_id", int32(i+1))
		c.in("registered_at", 1407645330000, 1502339792000)
		c.oneOf("level", "Gold", "Silver", "Platinum")
		c.oneOf("city", "Palo Alto", "San Francisco", "Raleigh", "London", "Frankfurt", "New York")
		c.re("username", `^[a-z]+_[a-z][0-9]+$`)
	case "shoes":
		c.re("id", uuidRe)
		c.in("sale_price", 1495, 23500)
		c.in("rating", 0, 5.01)
	case "shoe_customers":
		c.re("id", uuidRe)
		c.re("email", `^[a-z]+[0-9]*@example\.com$`)
		c.re("phone", `^[0-9]{3}-[0-9]{3}-[0-9]{4}$`)
		c.re("zip_code", `^[0-9]{5}$`)
		c.eq("country_code", "US")
	case "shoe_orders":
		c.eq("order_id", int32(1000+i))
		c.re("product_id", uuidRe)
		c.re("customer_id", uuidRe)
		c.eq("ts", 1609459200000+100000*i)
	case "shoe_clickstream":
		c.in("view_time", 10, 120)
		c.re("page_url", `^https://www\.acme\.com/product/[a-z]{5}$`)
		c.re("ip", ipRe)
		c.eq("ts", 1609457200000+10000*i)
	case "pizza_orders":
		c.in("store_id", 1, 10)
		c.eq("store_order_id", int32(1000+i))
		c.in("coupon_code", 1000, 2000)
		c.in("date", 18000, 19000)
		c.eq("status", "accepted")
		lines := v.Get("order_lines").([]any)
		if len(lines) < 1 || len(lines) > 5 {
			c.fail("order_lines", lines)
		}
		for _, l := range lines {
			lc := &checker{t: c.t, q: c.q + ".order_line", i: i, v: l.(*connect.Struct)}
			lc.in("product_id", 1, 100)
			lc.in("quantity", 1, 6)
			lc.in("unit_price", 1.24, 24.98)
			lc.oneOf("category", "pizza", "calzone", "salad", "wings", "dessert")
			q, p := float64(lc.v.Get("quantity").(int32)), lc.v.Get("unit_price").(float64)
			if d := lc.v.Get("net_price").(float64) - q*p; d > 0.0051 || d < -0.0051 {
				lc.fail("net_price", lc.v.Values)
			}
		}
	case "pizza_orders_completed":
		c.in("store_id", 1, 10)
		c.eq("store_order_id", int32(1000+2*i))
		c.eq("status", "completed")
		c.in("rack_time_secs", 130, 230)
		c.in("order_delivery_time_secs", 1100, 2000)
	case "pizza_orders_cancelled":
		c.eq("store_order_id", int32(1001+2*i))
		c.eq("status", "cancelled")
		c.in("date", 18000, 19000)
	case "inventory":
		c.eq("id", i)
		c.eq("quantity", i)
		c.eq("productid", i)
	case "product":
		c.eq("id", i)
		c.eq("name", strconv.FormatInt(i, 10))
		c.eq("description", strconv.FormatInt(i, 10))
		c.eq("price", float64(i))
	case "purchases":
		c.eq("id", i)
		c.in("quantity", 1, 10)
		p := v.Get("price_per_unit").(*big.Rat)
		if p.Cmp(big.NewRat(10, 1)) < 0 || p.Cmp(big.NewRat(50, 1)) > 0 || !new(big.Rat).Mul(p, big.NewRat(100, 1)).IsInt() {
			c.fail("price_per_unit", p)
		}
	case "stores":
		c.in("store_id", 1, 8)
	case "credit_cards":
		c.in("card_id", 1, 25)
		if n := v.Get("card_number").(int64); n < 1e15 || !luhnValid(strconv.FormatInt(n, 10)) {
			c.fail("card_number", n)
		}
		c.in("cvv", 100, 1000)
		c.re("expiration_date", `^(0[1-9]|1[0-2])/[0-9]{2}$`)
	case "fleet_mgmt_description":
		c.in("vehicle_id", 1000, 9999)
		c.re("license_plate", `^[A-Z]{2}[0-9]{6}[A-Z]$`)
		c.re("driver_name", `^[A-Z][a-z]+ [A-Z][a-z]+$`)
	case "fleet_mgmt_location":
		c.in("vehicle_id", 1000, 9999)
		loc := sub("location")
		loc.in("latitude", 37.3, 40.9)
		loc.in("longitude", -122.1, -116.5)
		c.eq("ts", 1609459200000+100000*i)
	case "fleet_mgmt_sensors":
		c.in("vehicle_id", 1000, 9999)
		c.in("engine_temperature", 150, 250)
		c.in("average_rpm", 1800, 5000)
	case "campaign_finance":
		c.in("time", 1587715775521, 1619273364600)
		c.re("candidate_id", `^[A-Z][1-9]{8}$`)
		c.oneOf("party_affiliation", "REP", "DEM", "IND")
		c.in("contribution", 20, 3500)
	case "device_information":
		c.re("device_ip", ipRe)
		c.re("mac_address", `^([0-9A-F]{2}-){5}[0-9A-F]{2}$`)
	case "siem_logs":
		c.re("hostname", ipRe)
		c.oneOf("action", "allow", "deny")
		c.eq("l4", "tcp")
		c.oneOf("access_group", "group-1", "group-2", "group-3", "group-4", "admin")
		for _, f := range []string{"source", "destination"} {
			s := sub(f)
			s.re("ip", ipRe)
			s.in("port", 10000, 99999)
		}
	case "syslog_logs":
		c.re("name", `^[a-zA-Z]{5,8}$`)
		c.oneOf("type", "RFC5424", "RFC3164", "CEF", "UNKNOWN")
		c.re("message", `^[a-z ]{10,15}$`)
		c.re("host", ipRe)
		c.in("level", 0, 191)
		c.in("severity", 0, 8)
		c.oneOf("facility", "syslog", "authpriv", "cron")
		c.re("processId", `^[1-9][0-9]{6}$`)
		c.re("messageId", `^[1-9][0-9]{2}$`)
		c.eq("ts", 1609459200000+100*i)
	case "gaming_games":
		c.in("id", 1000, 5000)
		c.re("room_name", `^(Arcade|Survival|Classic) -- (Rookie|Skilled|Expert)$`)
		c.eq("created_date", 1609459200000+100000*i)
	case "gaming_players":
		c.in("player_id", 1001, 1101)
		c.re("ip", ipRe)
	case "gaming_player_activity":
		c.in("player_id", 1001, 1101)
		c.in("game_room_id", 1000, 5000)
		c.in("points", 10, 500)
		c.re("coordinates", `^\[[0-9]{2},[0-9]{2}\]$`)
	case "insurance_customers":
		c.in("customer_id", 10, 1000)
		c.oneOf("gender", "Male", "Female")
		c.in("income", 50000, 500000)
		c.in("fico", 400, 900)
		c.in("years_active", 1, 46)
	case "insurance_offers":
		names := []string{"new_home_policy", "new_auto_policy", "discount_existing", "safe_driver_program", "no_offer"}
		c.in("offer_id", 1, 6)
		c.eq("offer_name", names[v.Get("offer_id").(int32)-1])
	case "insurance_customer_activity":
		c.eq("activity_id", int32(i+1))
		c.oneOf("activity_type", "web_open", "mobile_open", "new_account")
		c.in("propensity_to_churn", 0.01, 1)
		c.re("ip_address", ipRe)
	case "payroll_employee":
		c.in("employee_id", 1000, 1100)
		c.in("age", 30, 50)
		c.in("hourly_rate", 8, 25)
		c.re("ssn", `^[0-9]{3}-[0-9]{2}-[0-9]{4}$`)
		c.oneOf("gender", "male", "female")
	case "payroll_employee_location":
		c.in("employee_id", 1000, 1100)
		c.re("lab", `^lab-[0-9]$`)
		c.in("department_id", 1, 10)
		c.in("arrival_date", 18000, 19000)
	case "payroll_bonus":
		c.in("employee_id", 1000, 1100)
		c.in("bonus", 10, 50)
		c.in("ts", 1609459200000, 1640995199000)
	case "users_":
		c.re("userid", `^User_[1-9]$`)
		if in := v.Get("interests").([]any); len(in) != 2 {
			c.fail("interests", in)
		}
		ci := v.Get("contactinfo").(map[string]any)
		keys := make([]string, 0, len(ci))
		for k := range ci {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if fmt.Sprint(keys) != "[city phone state zipcode]" {
			c.fail("contactinfo", ci)
		}
	default:
		c.t.Fatalf("no checks for %s", c.q)
	}
}

func luhnValid(s string) bool {
	sum := 0
	for i := range len(s) {
		d := int(s[len(s)-1-i] - '0')
		if i%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// TestQuickstartJoins: the ids tutorials join on line up across
// quickstarts as upstream's do. Each side runs with its own seed, and
// every referring value must be one the referred-to quickstart writes
// (with enough records for all of the referred-to options to appear).
func TestQuickstartJoins(t *testing.T) {
	values := func(q, f string, seed uint64, n int64) map[any]bool {
		out := map[any]bool{}
		for _, v := range records(t, q, seed, n) {
			x := v.Get(f)
			for _, p := range strings.Split(f, ".")[1:] { // nested field
				x = v.Get(strings.Split(f, ".")[0]).(*connect.Struct).Get(p)
			}
			if s, ok := x.(string); ok && (q == "clickstream") {
				n, _ := strconv.Atoi(s) // clickstream's status is a string of the code
				x = int64(n)
			}
			if n, ok := x.(int32); ok {
				x = int64(n) // transactions' card_id is a long, credit_cards' an int, as upstream
			}
			out[x] = true
		}
		return out
	}
	for _, j := range []struct {
		from, fromField, to, toField string
		want                         int // how many distinct values the referred-to side has
	}{
		{"clickstream", "status", "clickstream_codes", "code", 6},
		{"shoe_orders", "product_id", "shoes", "id", shoeProducts},
		{"shoe_clickstream", "product_id", "shoes", "id", shoeProducts},
		{"shoe_orders", "customer_id", "shoe_customers", "id", shoeCustomers},
		{"shoe_clickstream", "user_id", "shoe_customers", "id", shoeCustomers},
		{"transactions", "card_id", "credit_cards", "card_id", 24},
		{"transactions", "store_id", "stores", "store_id", 7},
		{"fleet_mgmt_location", "vehicle_id", "fleet_mgmt_description", "vehicle_id", 8999},
		{"fleet_mgmt_sensors", "vehicle_id", "fleet_mgmt_description", "vehicle_id", 8999},
		{"gaming_player_activity", "player_id", "gaming_players", "player_id", 100},
		{"gaming_player_activity", "game_room_id", "gaming_games", "id", 4000},
		{"insurance_customer_activity", "customer_id", "insurance_customers", "customer_id", insuranceCustomers},
		{"payroll_employee_location", "employee_id", "payroll_employee", "employee_id", 100},
		{"payroll_bonus", "employee_id", "payroll_employee", "employee_id", 100},
		{"siem_logs", "hostname", "device_information", "device_ip", 100},
		{"siem_logs", "source.ip", "device_information", "device_ip", 100},
		{"shoe_clickstream", "ip", "device_information", "device_ip", 100},
	} {
		to := values(j.to, j.toField, 1, 100000)
		if len(to) != j.want {
			t.Errorf("%s.%s has %d distinct values, want %d", j.to, j.toField, len(to), j.want)
		}
		for x := range values(j.from, j.fromField, 2, 5000) {
			if !to[x] {
				t.Errorf("%s.%s = %v (%T) is not a %s.%s", j.from, j.fromField, x, x, j.to, j.toField)
				break
			}
		}
	}
	// clickstream's userid (-1..39) joins clickstream_users' user_id,
	// which counts up from 1: after 39 users every positive userid has one.
	users := values("clickstream_users", "user_id", 1, 39)
	for x := range values("clickstream", "userid", 2, 5000) {
		if n := x.(int64); n >= 1 && !users[n] || n < -1 || n > 39 {
			t.Errorf("clickstream userid %d has no clickstream_users user_id", n)
		}
	}
	// Orders a pizza store accepts are completed (even ids) or cancelled (odd).
	accepted := values("pizza_orders", "store_order_id", 1, 200)
	for _, q := range []string{"pizza_orders_completed", "pizza_orders_cancelled"} {
		for x := range values(q, "store_order_id", 2, 100) {
			if !accepted[x] {
				t.Errorf("%s store_order_id %v was never accepted", q, x)
			}
		}
	}
	// inventory's productid is product's id.
	inv, prod := values("inventory", "productid", 1, 100), values("product", "id", 2, 100)
	if fmt.Sprint(len(inv), len(prod)) != "100 100" || fmt.Sprint(inv) != fmt.Sprint(prod) {
		t.Errorf("inventory productids %d, product ids %d", len(inv), len(prod))
	}
}

var regexps = map[string]*regexp.Regexp{}

func regexpMatch(pattern, s string) bool {
	re, ok := regexps[pattern]
	if !ok {
		re = regexp.MustCompile(pattern)
		regexps[pattern] = re
	}
	return re.MatchString(s)
}

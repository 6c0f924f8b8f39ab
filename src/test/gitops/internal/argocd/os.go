package argocd

import (
	"strconv"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// openRestrictedOs is the os module scripts get from require("os") when the standard libraries
// are closed: only time and date, as in Argo CD, so that a script cannot run programs, read files
// or exit.
func openRestrictedOs(state *lua.LState) int {
	module := state.NewTable()
	module.RawSetString("time", state.NewFunction(osTime))
	module.RawSetString("date", state.NewFunction(osDate))
	state.Push(module)
	return 1
}

// osTime: os.time() is now; os.time{year=, month=, day=, hour=12, min=0, sec=0} is that local
// time; both in seconds since the epoch.
func osTime(state *lua.LState) int {
	if state.GetTop() == 0 {
		state.Push(lua.LNumber(time.Now().Unix()))
		return 1
	}
	fields := state.CheckTable(1)
	number := func(name string, otherwise int) int {
		if value, ok := fields.RawGetString(name).(lua.LNumber); ok {
			return int(value)
		}
		return otherwise
	}
	moment := time.Date(number("year", -1), time.Month(number("month", -1)), number("day", -1),
		number("hour", 12), number("min", 0), number("sec", 0), 0, time.Local)
	state.Push(lua.LNumber(moment.Unix()))
	return 1
}

// osDate: os.date([format [, seconds]]), format as C's strftime ("%c" by default), in UTC if it
// starts with "!"; "*t" returns the fields as a table.
func osDate(state *lua.LState) int {
	moment := time.Now()
	format := "%c"
	if state.GetTop() >= 1 {
		format = state.CheckString(1)
		if strings.HasPrefix(format, "!") {
			moment = moment.UTC()
			format = strings.TrimLeft(format, "!")
		}
		if state.GetTop() >= 2 {
			moment = time.Unix(state.CheckInt64(2), 0)
		}
	}
	if strings.HasPrefix(format, "*t") {
		fields := state.NewTable()
		fields.RawSetString("year", lua.LNumber(moment.Year()))
		fields.RawSetString("month", lua.LNumber(moment.Month()))
		fields.RawSetString("day", lua.LNumber(moment.Day()))
		fields.RawSetString("hour", lua.LNumber(moment.Hour()))
		fields.RawSetString("min", lua.LNumber(moment.Minute()))
		fields.RawSetString("sec", lua.LNumber(moment.Second()))
		fields.RawSetString("wday", lua.LNumber(moment.Weekday()+1))
		fields.RawSetString("yday", lua.LNumber(0))
		fields.RawSetString("isdst", lua.LFalse)
		state.Push(fields)
		return 1
	}
	state.Push(lua.LString(strftime(moment, format)))
	return 1
}

// Go layouts of the strftime conversions a date format may use.
var layouts = map[byte]string{
	'a': "Mon", 'A': "Monday", 'b': "Jan", 'B': "January", 'c': "02 Jan 06 15:04 MST",
	'd': "02", 'F': "2006-01-02", 'H': "15", 'I': "03", 'm': "01", 'M': "04", 'p': "PM",
	'S': "05", 'X': "15:04:05", 'y': "06", 'Y': "2006", 'z': "-0700", 'Z': "MST",
}

func strftime(moment time.Time, format string) string {
	var text strings.Builder
	for i := 0; i < len(format); i++ {
		if format[i] != '%' || i == len(format)-1 {
			text.WriteByte(format[i])
			continue
		}
		i++
		conversion := format[i]
		switch layout, known := layouts[conversion]; {
		case conversion == '%':
			text.WriteByte('%')
		case conversion == 'w':
			text.WriteString(strconv.Itoa(int(moment.Weekday())))
		case known:
			text.WriteString(moment.Format(layout))
		default:
			text.WriteByte('%')
			text.WriteByte(conversion)
		}
	}
	return text.String()
}

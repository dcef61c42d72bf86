package cmd

import (
	"fmt"
	"strconv"

	"github.com/spf13/pflag"
)

// flagKind says how a setting's flag is written on the command line.
type flagKind int

const (
	valueFlag   flagKind = iota // --name value
	boolFlag                    // --name (or --name=false)
	negatedFlag                 // --no-name turns the variable off
	listFlag                    // --name a --name b, or --name a,b
)

// settingFlag records the text of a flag the user set, under its
// variable's name, so the flag goes through the variable's own parser.
type settingFlag struct {
	st   *setting
	into map[string]string
}

func (f *settingFlag) String() string { return "" }

func (f *settingFlag) Set(v string) error {
	switch f.st.flagKind {
	case negatedFlag:
		b, err := parseBool(v)
		if err != nil {
			return err
		}
		v = strconv.FormatBool(!b)
	case listFlag:
		if prev, ok := f.into[f.st.env]; ok {
			v = prev + "," + v
		}
	}
	f.into[f.st.env] = v
	return nil
}

func (f *settingFlag) Type() string {
	switch f.st.flagKind {
	case boolFlag, negatedFlag:
		return "bool"
	case listFlag:
		return "slugs"
	}
	if f.st.flagArg != "" {
		return f.st.flagArg
	}
	return "value"
}

// bindSettingFlags adds the flags of the settings that live on command on
// ("" for the flags every command has) to fs. A flag the user sets lands
// in into, keyed by its variable.
func bindSettingFlags(fs *pflag.FlagSet, on string, into map[string]string) {
	for i := range settings {
		st := &settings[i]
		if st.flag == "" || st.flagOn != on {
			continue
		}
		usage := fmt.Sprintf("%s (env %s", st.flagHelp, st.env)
		if st.def != "" && st.flagKind == valueFlag {
			usage += ", default " + st.def
		}
		usage += ")"
		fl := fs.VarPF(&settingFlag{st: st, into: into}, st.flag, "", usage)
		if st.flagKind == boolFlag || st.flagKind == negatedFlag {
			fl.NoOptDefVal = "true"
		}
	}
}

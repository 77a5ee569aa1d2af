package loader

import (
	"bufio"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// Markdown writes a reference of the keys of the struct type dst points
// to, made from its struct tags: a table of every key, then a section a
// key with its description, type, default, variables (aliases and
// NAME_FILE forms included), command-line flag, whether it is a secret,
// and its rules in words. Headings start at level 3, for a page to embed.
// Only WithEnvPrefix of opts matters.
func Markdown(w io.Writer, dst any, opts ...Option) error {
	t := reflect.TypeOf(dst)
	if t == nil || t.Kind() != reflect.Pointer ||
		t.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("loader: want a pointer to a struct, not %T", dst)
	}
	s, err := schemaOf(t.Elem(), newOptions(opts).envPrefix)
	if err != nil {
		return err
	}

	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "| key | variable | default | secret |")
	fmt.Fprintln(bw, "| --- | --- | --- | --- |")
	for _, f := range s.fields {
		env := "-"
		if len(f.env) > 0 {
			env = "`" + f.env[0] + "`"
		}
		def := "-"
		if f.hasDef {
			def = "`" + f.def + "`"
		}
		fmt.Fprintf(bw, "| [`%s`](#%s) | %s | %s | %s |\n", f.key,
			anchor(f.key), env, def, yesNo(f.kind == kindSecret))
	}

	for _, f := range s.fields {
		fmt.Fprintf(bw, "\n### %s\n\n", f.key)
		if f.doc != "" {
			fmt.Fprintf(bw, "%s\n\n", f.doc)
		}
		for _, line := range s.keyFacts(f) {
			fmt.Fprintf(bw, "- %s\n", line)
		}
	}
	return bw.Flush()
}

// keyFacts lists what a user needs to know to set f, a line each.
func (s *schema) keyFacts(f *field) []string {
	facts := []string{"type: " + f.typeName()}
	if f.hasDef {
		facts = append(facts, "default: `"+f.def+"`")
	}
	if len(f.env) > 0 {
		env := "variable: `" + f.env[0] + "`"
		if len(f.env) > 1 {
			env += "; aliases, below it: `" +
				strings.Join(f.env[1:], "`, `") + "`"
		}
		facts = append(facts, env)
	}
	if f.fileEnv != "" {
		facts = append(facts, "from a file: `"+f.fileEnv+
			"` names a file whose content, less one trailing newline, "+
			"is the value")
	}
	flag := "flag: `--" + flagName(f) + "`"
	if f.kind == kindSecret {
		flag = "flag: `--" + flagName(f) + " FILE` reads the value from " +
			"FILE (`-` for standard input); there is no flag for the " +
			"value itself, since arguments are visible to every user"
	}
	facts = append(facts, flag)
	if f.kind == kindSecret {
		facts = append(facts, "secret: yes; shown as `[REDACTED]`")
	}
	return append(facts, s.ruleWords(f)...)
}

// ruleWords states f's validate tag and unit in words.
func (s *schema) ruleWords(f *field) []string {
	var out []string
	rules := parseRules(f.rules)
	words := map[string]string{
		"required": "required",
		"api_url": "an absolute `http` or `https` URL with a host and " +
			"no query, fragment or user info",
		"secret_trimmed": "no whitespace at its start or end",
		"secret_text": "plain UTF-8 text on one line, with no control " +
			"character or byte order mark",
		"url":      "a URL",
		"email":    "an email address",
		"hostname": "a host name",
	}
	bounds := map[string]string{"gt": "greater than", "gte": "at least",
		"min": "at least", "lt": "less than", "lte": "at most",
		"max": "at most"}
	for _, r := range strings.Split(f.rules, ",") {
		name, param, _ := strings.Cut(r, "=")
		switch {
		case words[name] != "":
			out = append(out, "rule: "+words[name])
		case bounds[name] != "":
			out = append(out, "rule: "+bounds[name]+" "+param)
		case name == "oneof":
			out = append(out, "rule: one of `"+
				strings.Join(strings.Fields(param), "`, `")+"`")
		}
	}
	if _, ok := rules["required"]; !ok && f.unit == "" && !f.hasDef {
		out = append(out, "optional")
	}
	if f.unit != "" {
		for _, u := range s.units {
			if u.name == f.unitSet {
				out = append(out, "rule: part of the "+
					strings.ReplaceAll(f.unit, "_", " ")+" "+
					lastPart(u.name)+" method; set exactly one method: "+
					u.describeAlts())
			}
		}
	}
	return out
}

// anchor returns the GitHub heading anchor of a key.
func anchor(key string) string {
	return strings.ReplaceAll(strings.ToLower(key), ".", "")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

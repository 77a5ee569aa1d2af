package loader

import (
	"reflect"

	"github.com/spf13/pflag"
)

// BindFlags registers a flag on fs for every key of the struct type that
// dst points to: --api-root for api_root, and --client-secret-file for a
// secret key, since values given on the command line are visible to every
// user of the machine. A file flag of "-" reads standard input. Pass fs to
// Load with WithFlags; only flags set on the command line count.
func BindFlags(fs *pflag.FlagSet, dst any, opts ...Option) error {
	o := newOptions(opts)
	s, err := schemaOf(reflect.TypeOf(dst).Elem(), o.envPrefix)
	if err != nil {
		return err
	}
	for _, f := range s.fields {
		name := flagName(f)
		if fs.Lookup(name) != nil {
			continue
		}
		usage := f.doc
		if f.kind == kindSecret {
			usage = "read " + f.key + " from `FILE` (- for standard input)"
		}
		fs.String(name, "", usage)
		if f.kind == kindBool {
			fs.Lookup(name).NoOptDefVal = "true"
		}
	}
	return nil
}

// flagLayer reads the flags that were set on the command line.
func (ld *load) flagLayer() *layer {
	l := newLayer(SourceFlag, "")
	stdinBy := "" // the flag that read standard input, if one did
	for _, f := range ld.s.fields {
		fl := ld.o.flags.Lookup(flagName(f))
		if fl == nil || !fl.Changed {
			continue
		}
		src := Source{Kind: SourceFlag, Name: fl.Name}
		text := fl.Value.String()
		if f.kind == kindSecret {
			if text == "-" && stdinBy != "" {
				src.Path = text
				ld.problem(Problem{Key: f.key, Source: &src, Rule: RuleFile,
					Message: "standard input is already read by --" + stdinBy,
					Fix:     "give --" + fl.Name + " a file instead of -"})
				continue
			}
			if text == "-" {
				stdinBy = fl.Name
			}
			v, ok := ld.secretFromFlag(f, src, text)
			if ok {
				l.values[f.key] = v
			}
			continue
		}
		v, err := parseText(f, text)
		switch {
		case err == errUnset:
		case err != nil:
			ld.typeProblem(f, src, err)
		default:
			l.values[f.key] = value{v: v, src: src}
		}
	}
	return l
}

// secretFromFlag reads a secret from the file a --KEY-file flag names, or
// from standard input for "-". An empty path counts as unset, as an empty
// value does for every other flag.
func (ld *load) secretFromFlag(f *field, src Source, path string) (value, bool) {
	if path == "" {
		return value{}, false
	}
	src.Path = path
	if path != "-" {
		return ld.secretFromFile(f, src, path)
	}
	data, err := readSecretReader(ld.o.stdin)
	if err != nil {
		ld.problem(Problem{Key: f.key, Source: &src, Rule: RuleFile,
			Message: "cannot read standard input: " + err.Error()})
		return value{}, false
	}
	return ld.secretValue(f, src, data, Problem{
		Message: "standard input is empty",
		Fix:     "pipe the secret in, or drop --" + src.Name})
}

module github.com/cloudcfg/cloudcfg

go 1.25

package api

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3gen"
	"github.com/switchboard-cc/switchboard/internal/store"
)

//go:generate go run ./gen-openapi

// openAPIDoc is the committed document (internal/api/openapi.json). A test
// fails when it differs from what the route table generates, so a route
// change must regenerate it: go generate ./internal/api
//
//go:embed openapi.json
var openAPIDoc []byte

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(openAPIDoc)
}

var pathParamRE = regexp.MustCompile(`\{([A-Za-z]+)\}`)

// OpenAPI builds the OpenAPI 3 document of the server's routes.
func (s *Server) OpenAPI() ([]byte, error) {
	doc := &openapi3.T{
		OpenAPI: "3.0.3",
		Info: &openapi3.Info{
			Title:   "Switchboard API",
			Version: "1",
			Description: "The native REST API of Switchboard, an open-source contact center. " +
				"Authenticate with an API key: Authorization: Bearer <key>, or (the web console) with the sb_session cookie " +
				"of POST /api/v1/auth/session plus an X-CSRF-Token header on unsafe requests. Errors are RFC 9457 problem+json documents " +
				"whose errors[] name each field at fault. Resources of another instance are answered 404.",
		},
		Paths: openapi3.NewPaths(),
		Components: &openapi3.Components{
			Schemas: openapi3.Schemas{},
			SecuritySchemes: openapi3.SecuritySchemes{
				"apiKey": {Value: openapi3.NewSecurityScheme().WithType("http").WithScheme("bearer")},
				"sessionCookie": {Value: openapi3.NewSecurityScheme().WithType("apiKey").WithIn("cookie").WithName(sessionCookie).
					WithDescription("A console session (POST /api/v1/auth/session); unsafe requests also need X-CSRF-Token")},
			},
			Responses: openapi3.ResponseBodies{},
		},
	}
	gen := &schemaGen{schemas: doc.Components.Schemas}
	problem, err := gen.ref(reflect.TypeFor[Problem]())
	if err != nil {
		return nil, err
	}
	doc.Components.Responses["Problem"] = &openapi3.ResponseRef{Value: openapi3.NewResponse().
		WithDescription("An error, as RFC 9457 problem details").
		WithContent(openapi3.NewContentWithSchemaRef(problem, []string{"application/problem+json"}))}

	for _, rt := range s.routes {
		op := openapi3.NewOperation()
		op.OperationID, op.Summary, op.Tags = rt.op, rt.summary, []string{rt.tag}
		if rt.auth != authNone {
			op.Security = &openapi3.SecurityRequirements{{"apiKey": []string{}}}
			if rt.auth != authAdmin {
				*op.Security = append(*op.Security, openapi3.SecurityRequirement{"sessionCookie": []string{}})
			}
		}
		for _, m := range pathParamRE.FindAllStringSubmatch(rt.path, -1) {
			op.AddParameter(openapi3.NewPathParameter(m[1]).WithSchema(openapi3.NewStringSchema()))
		}
		for _, q := range rt.query {
			sch := openapi3.NewStringSchema()
			if q.typ == "integer" {
				sch = openapi3.NewIntegerSchema()
			}
			op.AddParameter(openapi3.NewQueryParameter(q.name).WithSchema(sch).WithDescription(q.desc))
		}
		switch {
		case rt.in != nil:
			ref, err := gen.ref(rt.in)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", rt.op, err)
			}
			op.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithRequired(true).
				WithContent(openapi3.NewContentWithSchemaRef(ref, []string{"application/json"}))}
		case rt.rawIn != "":
			op.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithRequired(true).
				WithContent(openapi3.NewContentWithSchema(openapi3.NewStringSchema().WithFormat("binary"), []string{rt.rawIn}))}
		}
		resp := openapi3.NewResponse().WithDescription(http.StatusText(rt.status))
		switch {
		case rt.out != nil:
			ref, err := gen.ref(rt.out)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", rt.op, err)
			}
			resp.WithContent(openapi3.NewContentWithSchemaRef(ref, []string{"application/json"}))
		case rt.rawOut != "":
			resp.WithContent(openapi3.NewContentWithSchema(openapi3.NewSchema(), []string{rt.rawOut}))
		}
		op.Responses = openapi3.NewResponses()
		op.Responses.Delete("default")
		op.Responses.Set(strconv.Itoa(rt.status), &openapi3.ResponseRef{Value: resp})
		op.Responses.Set("default", &openapi3.ResponseRef{Ref: "#/components/responses/Problem"})
		doc.AddOperation(rt.path, rt.method, op)
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// schemaGen puts each named type in components.schemas once and refers to it.
type schemaGen struct{ schemas openapi3.Schemas }

func (g *schemaGen) ref(t reflect.Type) (*openapi3.SchemaRef, error) {
	name := schemaName(t)
	if _, ok := g.schemas[name]; !ok {
		sr, err := openapi3gen.NewSchemaRefForValue(reflect.New(t).Elem().Interface(), nil,
			openapi3gen.SchemaCustomizer(func(_ string, ft reflect.Type, tag reflect.StructTag, s *openapi3.Schema) error {
				if ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Uint8 { // json.RawMessage: any JSON
					*s = *openapi3.NewObjectSchema()
					s.Description = "a JSON document"
				}
				if strings.Contains(tag.Get("json"), "omitempty") {
					s.Nullable = false
				}
				return nil
			}))
		if err != nil {
			return nil, fmt.Errorf("schema of %s: %w", t, err)
		}
		g.schemas[name] = sr
	}
	return openapi3.NewSchemaRef("#/components/schemas/"+name, nil), nil
}

// schemaName gives generic list types readable names: ListResponse[core.Queue] -> QueueList.
func schemaName(t reflect.Type) string {
	n := t.Name()
	if i := strings.Index(n, "["); i >= 0 {
		inner := n[i+1 : len(n)-1]
		inner = inner[strings.LastIndex(inner, ".")+1:]
		return strings.TrimPrefix(inner, "*") + "List"
	}
	return n
}

// GenerateOpenAPI builds the document without a running store: only the
// route table is needed.
func GenerateOpenAPI() ([]byte, error) {
	s := &Server{st: &store.Store{}}
	s.routes = s.apiRoutes()
	return s.OpenAPI()
}

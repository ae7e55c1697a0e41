using NativeBn.Service.Onnx;
using NativeBn.Service.Serving;

// The sample service's HTTP surface with ONNX Runtime predicting: the load test's peer (benchmarks/loadtest/run.sh).
WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(args);
ServiceSetup.AddServing(builder);
builder.Services.AddSingleton<IPredictors>(services => new OnnxPredictors(services.GetRequiredService<IConfiguration>(), builder.Environment.ContentRootPath));
builder.Services.AddHealthChecks();

WebApplication app = builder.Build();
_ = app.Services.GetRequiredService<IPredictors>();
ServiceSetup.MapServing(app);
app.Run();

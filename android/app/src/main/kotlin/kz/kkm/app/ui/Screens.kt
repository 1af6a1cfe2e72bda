package kz.kkm.app.ui

import android.Manifest
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.unit.dp
import kz.kkm.app.logic.BlePermissions
import kz.kkm.app.logic.PaymentChoice
import kz.kkm.app.logic.SyncBanner
import kz.kkm.core.ScanMode
import kz.kkm.sdk.Quantity
import kz.kkm.sdk.Tenge

/** The app: an offline banner over the current screen. */
@Composable
fun CashierApp(model: CashierViewModel) {
    MaterialTheme {
        Surface(Modifier.fillMaxSize()) {
            Column {
                model.banner?.let { OfflineBanner(it) }
                model.message?.let { Text(it, color = MaterialTheme.colorScheme.error, modifier = Modifier.padding(8.dp)) }
                when (model.screen) {
                    Screen.SETUP -> SetupScreen(model)
                    Screen.LOGIN -> LoginScreen(model)
                    Screen.SALE -> SaleScreen(model)
                    Screen.PAYMENT -> PaymentScreen(model)
                    Screen.RETURN -> ReturnScreen(model)
                    Screen.SHIFT -> ShiftScreen(model)
                    Screen.PRINTERS -> PrinterScreen(model)
                }
            }
        }
    }
}

/** «Автономный режим · в очереди: N». */
@Composable
fun OfflineBanner(banner: SyncBanner.Banner) {
    val colour = when (banner.level) {
        SyncBanner.Level.INFO -> Color(0xFF1565C0)
        SyncBanner.Level.WARNING -> Color(0xFFF9A825)
        SyncBanner.Level.ERROR -> Color(0xFFC62828)
    }
    Text(banner.text, color = Color.White, modifier = Modifier.fillMaxWidth().background(colour).padding(8.dp))
}

@Composable
fun SetupScreen(model: CashierViewModel) {
    var host by remember { mutableStateOf("") }
    var port by remember { mutableStateOf("7777") }
    var kkmId by remember { mutableStateOf("") }
    var token by remember { mutableStateOf("") }
    var pin by remember { mutableStateOf("0000") }
    Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        Text("Регистрация кассы в ОФД", style = MaterialTheme.typography.titleLarge)
        OutlinedTextField(host, { host = it }, label = { Text("Сервер ОФД") })
        OutlinedTextField(port, { port = it }, label = { Text("Порт") })
        OutlinedTextField(kkmId, { kkmId = it }, label = { Text("ID кассы в ОФД") })
        OutlinedTextField(token, { token = it }, label = { Text("Токен") })
        OutlinedTextField(pin, { pin = it }, label = { Text("PIN администратора") })
        Button(
            enabled = !model.busy,
            onClick = {
                model.setup(host, port.toIntOrNull() ?: 0, true, kkmId.toLongOrNull() ?: 0, token.toLongOrNull() ?: 0, pin)
            },
        ) { Text("Зарегистрировать") }
    }
}

@Composable
fun LoginScreen(model: CashierViewModel) {
    var shown by remember { mutableStateOf("") }
    Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        Text("Вход кассира", style = MaterialTheme.typography.titleLarge)
        Text(shown.ifEmpty { "PIN" }, style = MaterialTheme.typography.headlineMedium)
        listOf("123", "456", "789", "<0>").forEach { row ->
            Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                row.forEach { c ->
                    OutlinedButton(onClick = {
                        if (c == '<') model.pinPad.backspace() else if (c == '>') model.login() else model.pinPad.press(c)
                        shown = model.pinPad.masked
                    }) { Text(if (c == '<') "⌫" else if (c == '>') "OK" else c.toString()) }
                }
            }
        }
    }
}

@Composable
fun SaleScreen(model: CashierViewModel) {
    @Suppress("UNUSED_VARIABLE") val version = model.basketVersion // recompose on basket changes
    var name by remember { mutableStateOf("") }
    var price by remember { mutableStateOf("") }
    var qty by remember { mutableStateOf("1") }
    var scanning by remember { mutableStateOf(false) }
    val camera = rememberLauncherForActivityResult(ActivityResultContracts.RequestPermission()) { scanning = it }
    Column(Modifier.padding(8.dp), verticalArrangement = Arrangement.spacedBy(6.dp)) {
        Row(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            TextButton(onClick = { model.screen = Screen.SHIFT }) { Text("Смена") }
            TextButton(onClick = { model.screen = Screen.PRINTERS }) { Text("Принтер") }
            TextButton(onClick = { model.screen = Screen.RETURN }) { Text("Возврат") }
            TextButton(onClick = { model.logout() }) { Text("Выход") }
        }
        if (scanning) {
            CameraScanner(ScanMode.ANY, Modifier.fillMaxWidth().height(220.dp)) { model.onScanned(it) }
        }
        model.pendingMark?.let { pending ->
            MarkPriceDialog(pending.mark.gtin) { n, p -> model.addPendingMark(n, p) }
        }
        // Quick sale (быстрая продажа): a name, a price and a quantity.
        Row(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            OutlinedTextField(name, { name = it }, label = { Text("Товар") }, modifier = Modifier.weight(2f))
            OutlinedTextField(price, { price = it }, label = { Text("Цена") }, modifier = Modifier.weight(1f))
            OutlinedTextField(qty, { qty = it }, label = { Text("Кол.") }, modifier = Modifier.weight(1f))
        }
        Row(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            Button(onClick = {
                val p = Tenge.parse(price)
                val q = Quantity.parse(qty)
                if (p != null && q != null) model.quickSale(name, p, q)
                name = ""; price = ""; qty = "1"
            }) { Text("Добавить") }
            OutlinedButton(onClick = { camera.launch(Manifest.permission.CAMERA) }) { Text("Сканер") }
        }
        LazyColumn(Modifier.weight(1f)) {
            items(model.basket.lines, key = { it.id }) { line ->
                Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.SpaceBetween) {
                    Text("${line.item.name} × ${Quantity.format(line.item.quantityMilli)}" + if (line.item.exciseMark != null) " ⓜ" else "")
                    Text(Tenge.format(line.item.priceTiyn))
                    TextButton(onClick = { model.removeLine(line.id) }) { Text("✕") }
                }
            }
        }
        val total = if (model.basket.isEmpty) 0L else model.summary()?.totalTiyn ?: 0L
        Button(enabled = !model.basket.isEmpty && !model.busy, onClick = { model.screen = Screen.PAYMENT }, modifier = Modifier.fillMaxWidth()) {
            Text("К оплате ${Tenge.format(total)} ₸")
        }
        model.lastReceipt?.let { r ->
            Text("Чек №${r.documentNumber}: " + if (r.offline) "Автономный ${r.fiscalId}" else "ФП ${r.fiscalId}")
            TextButton(onClick = { model.reprintLast() }) { Text("Дубликат") }
        }
    }
}

@Composable
fun MarkPriceDialog(gtin: String, onDone: (String, Long) -> Unit) {
    var name by remember { mutableStateOf("") }
    var price by remember { mutableStateOf("") }
    Column(Modifier.padding(8.dp)) {
        Text("Маркированный товар $gtin: введите наименование и цену")
        OutlinedTextField(name, { name = it }, label = { Text("Наименование") })
        OutlinedTextField(price, { price = it }, label = { Text("Цена") })
        Button(onClick = { Tenge.parse(price)?.let { onDone(name.ifBlank { gtin }, it) } }) { Text("Добавить") }
    }
}

@Composable
fun PaymentScreen(model: CashierViewModel) {
    var given by remember { mutableStateOf("") }
    var card by remember { mutableStateOf("") }
    val summary = model.summary()
    Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        Text("Итого: ${Tenge.format(summary?.totalTiyn ?: 0)} ₸", style = MaterialTheme.typography.headlineSmall)
        Row(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            OutlinedButton(onClick = { model.payment = PaymentChoice.Card }) { Text("Карта") }
            OutlinedButton(onClick = { model.payment = PaymentChoice.Cash(Tenge.parse(given) ?: 0) }) { Text("Наличные") }
            OutlinedButton(onClick = {
                model.payment = PaymentChoice.Mixed(Tenge.parse(card) ?: 0, Tenge.parse(given) ?: 0)
            }) { Text("Смешанная") }
        }
        OutlinedTextField(given, {
            given = it
            val p = model.payment
            model.payment = if (p is PaymentChoice.Mixed) p.copy(cashGivenTiyn = Tenge.parse(it) ?: 0) else PaymentChoice.Cash(Tenge.parse(it) ?: 0)
        }, label = { Text("Получено наличными") })
        OutlinedTextField(card, {
            card = it
            model.payment = PaymentChoice.Mixed(Tenge.parse(it) ?: 0, Tenge.parse(given) ?: 0)
        }, label = { Text("Картой (смешанная)") })
        summary?.let {
            if (it.dueTiyn > 0) Text("Осталось: ${Tenge.format(it.dueTiyn)} ₸")
            if (it.changeTiyn > 0) Text("Сдача: ${Tenge.format(it.changeTiyn)} ₸", style = MaterialTheme.typography.titleLarge)
        }
        Button(enabled = summary?.canPay == true && !model.busy, onClick = { model.pay() }) { Text("Оплатить") }
        TextButton(onClick = { model.screen = Screen.SALE }) { Text("Назад") }
    }
}

@Composable
fun ReturnScreen(model: CashierViewModel) {
    var fiscalId by remember { mutableStateOf("") }
    var scanning by remember { mutableStateOf(false) }
    var version by remember { mutableStateOf(0) }
    Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        Text("Возврат по чеку", style = MaterialTheme.typography.titleLarge)
        val r = model.returnModel
        if (r == null) {
            OutlinedTextField(fiscalId, { fiscalId = it }, label = { Text("Фискальный признак") })
            Row(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
                Button(onClick = { model.startReturn(fiscalId.trim()) }) { Text("Найти") }
                OutlinedButton(onClick = { scanning = !scanning }) { Text("QR чека") }
            }
            if (scanning) CameraScanner(ScanMode.RECEIPT, Modifier.fillMaxWidth().height(220.dp)) { model.onScanned(it) }
        } else {
            Text("Чек ${r.original.fiscalId} от ${r.original.dateTime}: ${Tenge.format(r.original.totalTiyn)} ₸")
            r.original.basket.items.forEachIndexed { i, item ->
                Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.SpaceBetween) {
                    Text("${item.name} (продано ${Quantity.format(item.quantityMilli)})")
                    val back = r.returnedMilli(i) > 0
                    OutlinedButton(onClick = {
                        r.setReturned(i, if (back) 0 else item.quantityMilli)
                        version++
                    }) { Text(if (back) "Возврат ✓" else "Не возвращать") }
                }
            }
            Button(enabled = !r.isEmpty && !model.busy, onClick = { model.refund() }) { Text("Оформить возврат") }
        }
        TextButton(onClick = { model.returnModel = null; model.screen = Screen.SALE }) { Text("Назад") }
        if (version < 0) Text("") // keeps `version` read so the list recomposes
    }
}

@Composable
fun ShiftScreen(model: CashierViewModel) {
    var sum by remember { mutableStateOf("") }
    Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        Text("Смена", style = MaterialTheme.typography.titleLarge)
        Row(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            Button(enabled = !model.busy, onClick = { model.xReport() }) { Text("X-отчёт") }
            Button(enabled = !model.busy, onClick = { model.closeShift() }) { Text("Z-отчёт (закрыть смену)") }
        }
        OutlinedTextField(sum, { sum = it }, label = { Text("Сумма") })
        Row(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            OutlinedButton(onClick = { Tenge.parse(sum)?.let(model::deposit) }) { Text("Внесение") }
            OutlinedButton(onClick = { Tenge.parse(sum)?.let(model::withdraw) }) { Text("Изъятие") }
        }
        model.lastReport?.let { r ->
            Text("${r.kind} смена №${r.shiftNumber}: выручка ${Tenge.format(r.revenueTiyn)} ₸, в кассе ${Tenge.format(r.cashInDrawerTiyn)} ₸")
            Text("Продажи: ${r.sales.count} на ${Tenge.format(r.sales.totalTiyn)} ₸; возвраты: ${r.saleReturns.count}")
        }
        TextButton(onClick = { model.screen = Screen.SALE }) { Text("Назад") }
    }
}

@Composable
fun PrinterScreen(model: CashierViewModel) {
    val context = androidx.compose.ui.platform.LocalContext.current
    val permissions = rememberLauncherForActivityResult(ActivityResultContracts.RequestMultiplePermissions()) {
        val denied = it.filterValues { granted -> !granted }.keys
        if (denied.isEmpty()) model.scanPrinters() else model.message = BlePermissions.explanation(denied)
    }
    Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        Text("Принтер чеков (Bluetooth)", style = MaterialTheme.typography.titleLarge)
        Button(enabled = !model.busy, onClick = {
            // Asked here, when the cashier looks for a printer; by API level (BlePermissions).
            val missing = BlePermissions.missing(android.os.Build.VERSION.SDK_INT) {
                androidx.core.content.ContextCompat.checkSelfPermission(context, it) ==
                    android.content.pm.PackageManager.PERMISSION_GRANTED
            }
            if (missing.isEmpty()) model.scanPrinters() else permissions.launch(missing.toTypedArray())
        }) { Text("Искать") }
        LazyColumn {
            items(model.printers, key = { it.address }) { p ->
                TextButton(onClick = { model.choosePrinter(p) }) {
                    Text((p.name ?: p.address) + (if (p.likelyPrinter) " 🖨" else "") + " ${p.rssi ?: ""} dBm")
                }
            }
        }
        TextButton(onClick = { model.screen = Screen.SALE }) { Text("Без принтера / назад") }
    }
}
